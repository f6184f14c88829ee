import { PERSONAL_DATA_POLICY } from '@touchpoint/domain';
import { EncryptingEventStore, InMemoryEventStore, InMemoryKeyStore, type NewEvent } from '@touchpoint/event-store';
import { ALL_PROJECTIONS, CUSTOMERS, MongoReadStore, Projector, type CustomerDoc } from '@touchpoint/read-models';
import { describeWith, serverUrl } from '@touchpoint/testing';
import { MongoClient } from 'mongodb';
import { randomBytes } from 'node:crypto';

const url = serverUrl('TOUCHPOINT_TEST_MONGO_URL', 'erasure on the MongoDB read store');
const AT = '2026-03-01T10:00:00.000Z';
const C = '11111111-1111-4111-8111-111111111111';
const D = '22222222-2222-4222-8222-222222222222';
const SECRETS = ['Wilhelmina Oddfellow', 'w.oddfellow@example.test', '+380631234000', 'Oddfellow asked about her loan', 'Oddfellow estate'];
const meta = { actor: 'agent:maria', correlationId: 'c', causationId: 'c' };
const ev = (type: string, data: Record<string, unknown>): NewEvent => ({ type, schemaVersion: 1, data: { customerId: C, occurredAt: AT, ...data } });

describeWith(url)('erasure reaches the MongoDB read models', () => {
  it('leaves no personal value in any collection document and keeps the figures', async () => {
    const dbName = `tp_test_${randomBytes(6).toString('hex')}`;
    const inner = new InMemoryEventStore(() => new Date(AT));
    const store = new EncryptingEventStore(inner, new InMemoryKeyStore(), PERSONAL_DATA_POLICY, inner);
    const readStore = await MongoReadStore.connect(url!, dbName);
    const client = new MongoClient(url!);
    try {
      await store.append(`customer-${C}`, [
        ev('CustomerRegistered', { kind: 'person', name: SECRETS[0], email: SECRETS[1], phone: SECRETS[2], tags: [] }),
        ev('TouchpointRecorded', { touchpointId: 't1', touchpointType: 'call', channel: 'phone', direction: 'inbound', agent: 'a', subject: SECRETS[3] }),
        ev('OrderPlaced', { orderId: 'O-1', currency: 'EUR', lines: [{ sku: 'A', quantity: 1, unitPrice: 900, unitCost: 400 }], total: 900, cost: 400 }),
      ], { expectedRevision: 'no_stream', metadata: meta });
      await store.append(`deal-${D}`, [ev('DealOpened', { dealId: D, title: SECRETS[4], amount: 100, currency: 'EUR', stage: 'lead', expectedCloseDate: '2026-06-30', owner: 'o' })], { expectedRevision: 'no_stream', metadata: meta });
      const projector = new Projector(store, readStore, ALL_PROJECTIONS, { now: () => new Date(AT) });
      await projector.rebuild();
      const dump = async () => {
        // Every collection of the database, whatever the adapter names them.
        const db = client.db(dbName);
        const names = (await db.listCollections().toArray()).map((c) => c.name);
        expect(names.length).toBeGreaterThanOrEqual(3);
        const all = await Promise.all(names.map((c) => db.collection(c).find({}).toArray()));
        return JSON.stringify(all);
      };
      await client.connect();
      expect(await dump()).toContain(SECRETS[0]); // the scan sees values where they are
      const revenue = (await readStore.get<CustomerDoc>(CUSTOMERS, C))!.value.revenue;

      await store.erase(C, AT);
      await store.append(`customer-${C}`, [ev('CustomerErased', {})], { expectedRevision: 2, metadata: meta });
      await projector.handle(await store.readAll({ after: 4 }));
      const text = await dump();
      for (const secret of SECRETS) expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
      expect((await readStore.get<CustomerDoc>(CUSTOMERS, C))!.value.revenue).toBe(revenue);
    } finally {
      await readStore.close();
      await client.db(dbName).dropDatabase().catch(() => undefined);
      await client.close();
    }
  });
});
