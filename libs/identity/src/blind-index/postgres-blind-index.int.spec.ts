import { PostgresBlindIndex } from '@touchpoint/identity';
import { blindIndexContract, freshPostgresDatabase, serverUrl } from '@touchpoint/testing';
import { Client } from 'pg';

const PG = serverUrl('TOUCHPOINT_TEST_PG_URL', 'PostgreSQL blind index suite');

/**
 * Everything stored in the database: every row of every table as JSON text (BYTEA as hex), and, for a superuser,
 * the tables' and indexes' files as written by a CHECKPOINT.
 */
async function dumpDatabase(url: string): Promise<Buffer> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const parts: Buffer[] = [];
    const { rows: tables } = await client.query<{ sql: string }>(
      `SELECT format('SELECT to_jsonb(t)::text AS row FROM %I.%I t', table_schema, table_name) AS sql FROM information_schema.tables
       WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`,
    );
    for (const { sql } of tables) for (const r of (await client.query<{ row: string }>(sql)).rows) parts.push(Buffer.from(r.row));
    const { rows: su } = await client.query<{ super: boolean }>('SELECT rolsuper AS super FROM pg_roles WHERE rolname = current_user');
    if (su[0]?.super) {
      await client.query('CHECKPOINT');
      const { rows: files } = await client.query<{ data: Buffer }>(
        `SELECT pg_read_binary_file(pg_relation_filepath(c.oid)) AS data FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND pg_relation_filepath(c.oid) IS NOT NULL`,
      );
      for (const f of files) parts.push(f.data);
    }
    return Buffer.concat(parts);
  } finally {
    await client.end();
  }
}

if (PG) {
  blindIndexContract(
    'postgresql (tp_blind_index)',
    async () => {
      const db = await freshPostgresDatabase(PG);
      return { index: await PostgresBlindIndex.connect(db.url), reopen: () => PostgresBlindIndex.connect(db.url), raw: () => dumpDatabase(db.url), teardown: db.drop };
    },
    { durable: true, rawStorage: true },
  );
}
