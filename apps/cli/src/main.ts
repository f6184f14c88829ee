import 'reflect-metadata';
import { ALL_PROJECTIONS } from '@touchpoint/read-models';
import { loadConfigOrExit, systemClock } from '@touchpoint/platform';
import { SingleBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { createProjector } from '../../api/src/app.module';
import { loadSigningKey } from '../../api/src/audit/signing-key';
import { createCheckpointStore, createEngines, createApiKeyStore } from '../../api/src/engines';
import { isRole, issueApiKey, ROLES, type Role } from '@touchpoint/auth';
import { runVerify } from './verify';
import { runImportCommand } from './import';

const program = new Command('touchpoint').description('Touchpoint operations: rebuild read models, inspect projector state.');

const projectionNames = ALL_PROJECTIONS.map((p) => p.name);

program
  .command('rebuild')
  .description('Drop read models and replay the whole event log into them (stop running projectors first).')
  .option('-p, --projection <names...>', `projections to rebuild (${projectionNames.join(', ')})`, (value: string, previous: string[] = []) => {
    if (!projectionNames.includes(value)) throw new InvalidArgumentError(`unknown projection ${value}; known: ${projectionNames.join(', ')}`);
    return [...previous, value];
  })
  .action(async (options: { projection?: string[] }) => {
    const config = loadConfigOrExit();
    const engines = await createEngines(config, systemClock);
    const projector = createProjector({ config, engines, clock: systemClock });
    const bar = new SingleBar({ format: 'rebuild |{bar}| {percentage}% | {value}/{total} events | {rate} events/s | eta {eta}s', hideCursor: true }, Presets.shades_classic);
    const started = Date.now();
    let barStarted = false;
    const result = await projector.rebuild(options.projection ?? projectionNames, (done, total) => {
      if (!barStarted) {
        bar.start(total, 0, { rate: 0 });
        barStarted = true;
      }
      bar.update(done, { rate: Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)) });
    });
    if (barStarted) bar.stop();
    console.log(JSON.stringify({ rebuilt: options.projection ?? projectionNames, events: result.events, ms: result.ms, eventsPerSecond: Math.round(result.events / Math.max(0.001, result.ms / 1000)) }));
    await engines.eventStore.close();
    await engines.readStore.close();
  });

program
  .command('status')
  .description('Log head and each projection checkpoint, with lag.')
  .action(async () => {
    const config = loadConfigOrExit();
    const engines = await createEngines(config, systemClock);
    const head = await engines.eventStore.headPosition();
    const projections = [];
    for (const p of ALL_PROJECTIONS) {
      const checkpoint = await engines.readStore.checkpoint(p.name);
      projections.push({ projection: p.name, checkpoint, lag: head - checkpoint });
    }
    console.log(JSON.stringify({ head, projections }, null, 2));
    await engines.eventStore.close();
    await engines.readStore.close();
  });

program
  .command('verify')
  .description('Recompute the hash chains of the event log, report the first broken link and check every stored signed checkpoint (exit code 1 when either fails).')
  .option('-f, --from <position>', 'first global position to check (earlier hashes are taken as anchors)', (value: string) => {
    if (!/^[1-9]\d{0,14}$/.test(value)) throw new InvalidArgumentError('--from must be a positive integer');
    return Number(value);
  })
  .option('--no-progress', 'no progress bar')
  .action(async (options: { from?: number; progress: boolean }) => {
    const config = loadConfigOrExit();
    const engines = await createEngines(config, systemClock);
    const checkpoints = await createCheckpointStore(config);
    try {
      const { exitCode, report } = await runVerify(engines.eventStore, {
        from: options.from,
        progress: options.progress,
        ...(checkpoints && { checkpoints: { store: checkpoints, publicKeyPem: loadSigningKey(config).publicKeyPem } }),
      });
      console.log(JSON.stringify(report, null, 2));
      process.exitCode = exitCode;
    } finally {
      await checkpoints?.close();
      await engines.eventStore.close();
      await engines.readStore.close();
    }
  });

program
  .command('import <file>')
  .description('Import history from an NDJSON or CSV file (gzip allowed) through the same command path as the API; rerunning it appends nothing twice (docs/import.md).')
  .option('--format <format>', 'ndjson or csv (default: from the file name, else ndjson)')
  .option('--mapping <file>', 'CSV column mapping (JSON)')
  .option('--source <name>', 'the source system: source ids are unique within it', 'import')
  .option('--max-errors <n>', 'stop after this many rejected lines')
  .option('--time-zone <zone>', 'IANA zone for dates written without one, e.g. America/New_York')
  .option('--rejections <file>', 'write every rejected line (line, sourceId, field, code, message) as NDJSON to this file')
  .option('--allow-rejections', 'exit 0 even when some lines were rejected')
  .option('--no-progress', 'no progress bar')
  .action(runImportCommand);

const keys = program.command('keys').description('API keys: create (prints the secret once), list, revoke. Keys live where the API reads them: PostgreSQL (TOUCHPOINT_KEY_STORE_URL, or the postgres event store), else TOUCHPOINT_DATA_DIR/auth.db.');

keys
  .command('create')
  .description('Create an API key and print its secret once (only its SHA-256 is stored).')
  .requiredOption('-n, --name <name>', 'who or what uses the key, e.g. crm-sync ([A-Za-z0-9._:@-], ≤ 64)')
  .requiredOption('-r, --role <roles...>', `one or more of ${ROLES.join(', ')}`, (value: string, previous: Role[] = []) => {
    if (!isRole(value)) throw new InvalidArgumentError(`unknown role ${value}; known: ${ROLES.join(', ')}`);
    return [...previous, value];
  })
  .action(async (options: { name: string; role: Role[] }) => {
    const store = await createApiKeyStore(loadConfigOrExit());
    const { record, secret } = await issueApiKey(store, { name: options.name, roles: options.role, now: systemClock.now() });
    await store.close();
    console.log(JSON.stringify({ ...record, secret }, null, 2));
    console.error('Store the secret now: it cannot be shown again.');
  });

keys
  .command('list')
  .description('List keys (id, name, roles, createdAt, revokedAt); secrets are not stored.')
  .action(async () => {
    const store = await createApiKeyStore(loadConfigOrExit());
    console.log(JSON.stringify(await store.list(), null, 2));
    await store.close();
  });

keys
  .command('revoke <id>')
  .description('Revoke a key by id; it stops working at once.')
  .action(async (id: string) => {
    const store = await createApiKeyStore(loadConfigOrExit());
    const revoked = await store.revoke(id, systemClock.now().toISOString());
    await store.close();
    if (!revoked) {
      console.error(`no active key with id ${id}`);
      process.exit(1);
    }
    console.log(JSON.stringify({ revoked: id }));
  });

program.parseAsync(process.argv).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
