import { ERASED, PERSONAL_DATA_POLICY } from '@touchpoint/domain';
import { EncryptingEventStore, InMemoryEventStore, InMemoryKeyStore, SqliteEventStore, SqliteKeyStore, verifyChains, type EventStore, type KeyStore, type RecordedEvent, type SnapshotStore } from '@touchpoint/event-store';
import { chainContract, eventStoreContract, keyStoreContract } from '@touchpoint/testing';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIXED = '2026-03-01T12:00:00.000Z';
const C = '11111111-1111-4111-8111-111111111111';
const meta = { actor: 'agent:maria', correlationId: 'c', causationId: 'c' };
const registered = (customerId = C) => ({
  type: 'CustomerRegistered',
  schemaVersion: 1,
  data: { customerId, kind: 'person', name: 'Ann Smith', email: 'ann@example.com', address: { line1: 'Main St 1', city: 'Kyiv', country: 'UA' }, tags: ['vip'], occurredAt: FIXED },
});
const order = (customerId = C, n = 1) => ({
  type: 'OrderPlaced',
  schemaVersion: 1,
  data: { customerId, orderId: `O-${n}`, currency: 'EUR', lines: [{ sku: 'A', quantity: 1, unitPrice: 100, unitCost: 50 }], total: 100, cost: 50, occurredAt: FIXED },
});

/** A real in-memory key store that counts how often it is asked. */
class CountingKeyStore extends InMemoryKeyStore {
  calls = 0;
  override async get(subject: string) {
    this.calls += 1;
    return super.get(subject);
  }
  override async getOrCreate(subject: string) {
    this.calls += 1;
    return super.getOrCreate(subject);
  }
}

/** threadMinEvents 0: every read opened on the caller's thread; 1: every read opened on the decrypt thread. */
const wrapStore = (inner: EventStore & SnapshotStore = new InMemoryEventStore(() => new Date(FIXED)), keys: KeyStore = new InMemoryKeyStore(), sealFormat: 1 | 2 = 2, threadMinEvents = 0) =>
  new EncryptingEventStore(inner, keys, PERSONAL_DATA_POLICY, inner, { sealFormat, threadMinEvents });

eventStoreContract('encrypting wrapper over in-memory', async () => ({ store: wrapStore(), fixedRecordedAt: FIXED }), { textLog: true });
eventStoreContract('encrypting wrapper over in-memory, opening on the decrypt thread', async () => ({ store: wrapStore(undefined, undefined, 2, 1), fixedRecordedAt: FIXED }), { textLog: true });
eventStoreContract('encrypting wrapper over sqlite', async () => ({ store: wrapStore(new SqliteEventStore({ filename: ':memory:', now: () => new Date(FIXED) })), fixedRecordedAt: FIXED }), { textLog: true });

chainContract('encrypting wrapper over sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-enc-chain-'));
  const filename = join(dir, 'events.db');
  const store = wrapStore(new SqliteEventStore({ filename, now: () => new Date(FIXED) }), new SqliteKeyStore(join(dir, 'keys.db')));
  const raw = (sql: string, ...params: unknown[]) => {
    const db = new Database(filename);
    db.prepare(sql).run(...params);
    db.close();
  };
  return {
    store,
    tamperData: async (p) => raw(`UPDATE events SET data = json_set(data, '$.n', 999) WHERE global_position = ?`, p),
    tamperGlobalHash: async (p) => raw(`UPDATE events SET global_hash = ? WHERE global_position = ?`, 'f'.repeat(64), p),
    teardown: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

keyStoreContract('in-memory', async () => ({ keys: new InMemoryKeyStore() }), { durable: false });
keyStoreContract(
  'sqlite (keys.db)',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-keys-'));
    const file = join(dir, 'keys.db');
    return { keys: new SqliteKeyStore(file), reopen: async () => new SqliteKeyStore(file), teardown: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  { durable: true },
);

describe.each([
  ['on the caller\'s thread', 0],
  ['on the decrypt thread', 1],
])('EncryptingEventStore, opening %s', (_where, threadMinEvents) => {
  const wrap = (inner?: EventStore & SnapshotStore, keys?: KeyStore, sealFormat: 1 | 2 = 2) => wrapStore(inner, keys, sealFormat, threadMinEvents);

  it('stores personal fields sealed, and gives them back in clear to the writer, readers and subscribers', async () => {
    const inner = new InMemoryEventStore(() => new Date(FIXED));
    const store = wrap(inner);
    const result = await store.append(`customer-${C}`, [registered(), order()], { expectedRevision: 'no_stream', metadata: meta });
    expect(result.events[0].data).toEqual(registered().data);
    const [raw] = await inner.readStream(`customer-${C}`);
    // All four values sealed together in the first field; the others point into them.
    expect(String(raw.data.name)).toMatch(/^tp:enc:v2:[A-Za-z0-9+/]/);
    expect([raw.data.email, raw.data.address, raw.data.tags]).toEqual(['tp:enc:v2:#1', 'tp:enc:v2:#2', 'tp:enc:v2:#3']);
    expect(raw.data.kind).toBe('person');
    expect(JSON.stringify(raw)).not.toContain('Ann Smith');
    expect((await store.readStream(`customer-${C}`))[0].data).toEqual(registered().data);
    expect((await store.readAll())[1].data).toEqual(order().data);
    const seen: RecordedEvent[] = [];
    const sub = store.subscribeToAll({ after: 0 }, (batch) => void seen.push(...batch));
    while (seen.length < 2) await new Promise((r) => setImmediate(r));
    await sub.stop();
    expect(seen[0].data).toEqual(registered().data);
  });

  it('readStream with personalDataOf opens only those types, still notices an erasure, and asks no key for the rest', async () => {
    const inner = new InMemoryEventStore(() => new Date(FIXED));
    const keys = new CountingKeyStore();
    const store = wrap(inner, keys);
    const touchpoint = { type: 'TouchpointRecorded', schemaVersion: 1, data: { customerId: C, touchpointId: 't', touchpointType: 'call', direction: 'inbound', agent: 'a', subject: 'Refund', occurredAt: FIXED } };
    await store.append(`customer-${C}`, [touchpoint], { expectedRevision: 'no_stream', metadata: meta });
    const [sealedOnly] = await new EncryptingEventStore(inner, keys, PERSONAL_DATA_POLICY, inner, { threadMinEvents }).readStream(`customer-${C}`, { personalDataOf: new Set(['CustomerRegistered']) });
    expect(String(sealedOnly.data.subject)).toMatch(/^tp:enc:v2:/);
    expect(keys.calls).toBe(1); // the append's key creation; reading the touchpoint sealed needed none

    await store.append(`customer-${C}`, [registered()], { expectedRevision: 0, metadata: meta });
    const [, opened] = await store.readStream(`customer-${C}`, { personalDataOf: new Set(['CustomerRegistered']) });
    expect(opened.data).toEqual(registered().data);

    // Another process erases: the erasure event is looked at even when its type is not listed, so the cached key goes.
    await keys.destroy(C);
    await inner.append(`customer-${C}`, [{ type: 'CustomerErased', schemaVersion: 1, data: { customerId: C, occurredAt: FIXED } }], { expectedRevision: 1, metadata: meta });
    const only = { personalDataOf: new Set(['CustomerRegistered']) };
    await store.readStream(`customer-${C}`, { ...only, fromRevision: 2 });
    const [, afterErasure] = await store.readStream(`customer-${C}`, only);
    expect(afterErasure.data.name).toBe(ERASED);
  });

  it.each([
    ['sqlite (opened in the text)', () => new SqliteEventStore({ filename: ':memory:', now: () => new Date(FIXED) })],
    ['in-memory (no text reader: readAll serialised)', () => new InMemoryEventStore(() => new Date(FIXED))],
  ])('readAllText over %s reads exactly what readAll reads: v1 and v2 seals, erased subjects, look-alike literals, plaintext', async (_inner, innerStore) => {
    const inner: EventStore & SnapshotStore = innerStore();
    const keys = new InMemoryKeyStore();
    const [C2, C3] = ['22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333'];
    const touchpoint = (customerId: string, subject: string, extra: Record<string, unknown> = {}) => ({ type: 'TouchpointRecorded', schemaVersion: 1, data: { customerId, touchpointId: 't', touchpointType: 'call', direction: 'inbound', agent: 'a', subject, summary: 'He said "call me" \\ at 5 — привіт 👋', outcome: 'ok', occurredAt: FIXED, ...extra } });
    await wrap(inner, keys, 1).append(`customer-${C}`, [registered()], { expectedRevision: 'no_stream', metadata: meta });
    const store = wrap(inner, keys);
    await store.append(`customer-${C2}`, [registered(C2), order(C2), touchpoint(C2, 'tp:enc:v2:#2'), touchpoint(C2, 'Refund', { note: 'tp:enc:v2:#1' }), { ...registered(C2), type: 'CustomerProfileChanged', data: { customerId: C2, changes: { name: 'Ann Jones', tags: ['gold'] }, occurredAt: FIXED } }], {
      expectedRevision: 'no_stream',
      metadata: { ...meta, idempotencyKey: '4:user:k1' },
    });
    await store.append(`customer-${C3}`, [registered(C3), touchpoint(C3, 'Secret')], { expectedRevision: 'no_stream', metadata: meta });
    await store.erase(C3, FIXED);
    await store.append(`customer-${C3}`, [{ type: 'CustomerErased', schemaVersion: 1, data: { customerId: C3, occurredAt: FIXED } }], { expectedRevision: 1, metadata: meta });
    // Written in the clear (before encryption was enabled): read as stored while the key lives, as erased after.
    await inner.append(`customer-${C2}`, [touchpoint(C2, 'Plain')], { expectedRevision: 4, metadata: meta });
    await inner.append(`customer-${C3}`, [touchpoint(C3, 'Plain too')], { expectedRevision: 2, metadata: meta });

    const objects = await store.readAll();
    const texts = await store.readAllText();
    expect(texts.map((e) => ({ ...e, data: JSON.parse(e.data), metadata: JSON.parse(e.metadata) }))).toEqual(objects);
    expect(texts.every((e) => !e.data.includes('tp:enc:v2:') || e.data.includes('"tp:enc:v2:#'))).toBe(true); // nothing sealed left but the look-alikes
    expect(objects.find((e) => e.data.note === 'tp:enc:v2:#1')?.data.subject).toBe('Refund');
    expect(objects.filter((e) => e.data.customerId === C3 && e.type === 'TouchpointRecorded').map((e) => e.data.subject)).toEqual([ERASED, ERASED]);
    expect(await store.readAllText({ after: 2, maxCount: 3 })).toEqual(texts.slice(2, 5));
  });

  it('reads events sealed field by field (v1, the format before) beside v2 ones, and erases both', async () => {
    const inner = new InMemoryEventStore(() => new Date(FIXED));
    const keys = new InMemoryKeyStore();
    await wrap(inner, keys, 1).append(`customer-${C}`, [registered()], { expectedRevision: 'no_stream', metadata: meta });
    await wrap(inner, keys, 2).append(`customer-${C}`, [{ ...registered(), type: 'CustomerProfileChanged', data: { customerId: C, changes: { name: 'Ann Jones', tags: ['gold'] }, occurredAt: FIXED } }], { expectedRevision: 0, metadata: meta });
    const [v1, v2] = await inner.readAll();
    for (const field of ['name', 'email', 'address', 'tags']) expect(String(v1.data[field])).toMatch(/^tp:enc:v1:/);
    expect((v2.data.changes as Record<string, string>).tags).toBe('tp:enc:v2:#1');
    const store = wrap(inner, keys);
    const [a, b] = await store.readAll();
    expect(a.data).toEqual(registered().data);
    expect(b.data.changes).toEqual({ name: 'Ann Jones', tags: ['gold'] });
    await store.erase(C, FIXED);
    const [erasedA, erasedB] = await store.readAll();
    expect(erasedA.data).toMatchObject({ name: ERASED, email: ERASED, address: { erased: true }, tags: [] });
    expect(erasedB.data.changes).toEqual({ name: ERASED, tags: [] });
  });

  it('refuses a v2 ciphertext moved to another customer (its key and subject are bound in)', async () => {
    const inner = new InMemoryEventStore(() => new Date(FIXED));
    const keys = new InMemoryKeyStore();
    const store = wrap(inner, keys);
    const other = '22222222-2222-4222-8222-222222222222';
    await store.append(`customer-${C}`, [registered()], { expectedRevision: 'no_stream', metadata: meta });
    await store.append(`customer-${other}`, [registered(other)], { expectedRevision: 'no_stream', metadata: meta });
    const [mine] = await inner.readAll();
    // Someone with write access copies C's sealed fields into the other customer's event: GCM refuses to open them.
    await inner.append(`customer-${other}`, [{ ...registered(other), data: { ...mine.data, customerId: other } }], { expectedRevision: 0, metadata: meta });
    await expect(store.readStream(`customer-${other}`)).rejects.toThrow();
  });

  it('seals every event under its own IV, across refills of the IV pool', async () => {
    const inner = new InMemoryEventStore(() => new Date(FIXED));
    const store = wrap(inner);
    // 2,400 events, one IV each: more than two pools of 1,024.
    for (let n = 0; n < 2400; n += 1) {
      const customerId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      await store.append(`customer-${customerId}`, [registered(customerId)], { expectedRevision: 'no_stream', metadata: meta });
    }
    const ivs = (await inner.readAll({ maxCount: 3000 })).map((e) => Buffer.from(String(e.data.name).slice('tp:enc:v2:'.length), 'base64').subarray(0, 12).toString('hex'));
    expect(ivs).toHaveLength(2400);
    expect(new Set(ivs).size).toBe(2400);
    const readBack = await store.readAll({ maxCount: 3000 });
    expect(readBack[2399].data.name).toBe('Ann Smith');
  });

  it('after erasure reads every personal field as the erased marker, keeps the facts, and the chains still verify', async () => {
    const inner = new InMemoryEventStore(() => new Date(FIXED));
    const keys = new InMemoryKeyStore();
    const store = wrap(inner, keys);
    // Two other processes (own key caches, own clocks) that have already read the customer.
    let clock = 0;
    const other = new EncryptingEventStore(inner, keys, PERSONAL_DATA_POLICY, inner, { cacheTtlMs: 5000, now: () => clock, threadMinEvents });
    const follower = new EncryptingEventStore(inner, keys, PERSONAL_DATA_POLICY, inner, { cacheTtlMs: 5000, now: () => clock, threadMinEvents });
    await store.append(`customer-${C}`, [registered(), order()], { expectedRevision: 'no_stream', metadata: meta });
    expect((await other.readAll())[0].data.name).toBe('Ann Smith');
    expect((await follower.readAll())[0].data.name).toBe('Ann Smith');
    const before = await verifyChains(inner);
    await store.erase(C, FIXED);
    await store.append(`customer-${C}`, [{ type: 'CustomerErased', schemaVersion: 1, data: { customerId: C, occurredAt: FIXED } }], { expectedRevision: 1, metadata: meta });
    // The follower reads the erasure event and drops its cached key at once; the other notices when its cached key expires.
    await follower.readAll({ after: 2 });
    expect((await follower.readAll())[0].data.name).toBe(ERASED);
    expect((await other.readAll())[0].data.name).toBe('Ann Smith'); // within its cache time
    clock += 5000;
    for (const s of [store, other, follower]) {
      const [reg, placed] = await s.readAll();
      expect(reg.data).toMatchObject({ name: ERASED, email: ERASED, address: { erased: true }, tags: [], kind: 'person' });
      expect(placed.data).toEqual(order().data);
    }
    const after = await verifyChains(inner);
    expect(after.ok).toBe(true);
    expect(after.checked).toBe(before.checked + 1);
    // Written after erasure: nothing personal is stored at all.
    await store.append(`customer-${C}`, [{ ...registered(), type: 'ContactPersonAdded', data: { customerId: C, contactId: 'p', name: 'Late Name', occurredAt: FIXED } }], { expectedRevision: 'any', metadata: meta });
    expect(JSON.stringify(await inner.readAll())).not.toContain('Late Name');
  });

  it('seals customer snapshots and drops them once the customer is erased', async () => {
    const inner = new InMemoryEventStore();
    const store = wrap(inner);
    await store.save({ streamId: `customer-${C}`, revision: 3, stateVersion: 'v1', state: { profile: { name: 'Ann Smith' } } });
    expect(JSON.stringify(await inner.load(`customer-${C}`, 'v1'))).not.toContain('Ann Smith');
    expect((await store.load(`customer-${C}`, 'v1'))?.state).toEqual({ profile: { name: 'Ann Smith' } });
    await store.save({ streamId: 'deal-1', revision: 1, stateVersion: 'd1', state: { amount: 5 } });
    expect((await inner.load('deal-1', 'd1'))?.state).toEqual({ amount: 5 });
    await store.erase(C, FIXED);
    expect(await store.load(`customer-${C}`, 'v1')).toBeUndefined();
  });

  it('asks the key store once per customer, not once per event, when replaying', async () => {
    const inner = new InMemoryEventStore(() => new Date(FIXED));
    const keys = new CountingKeyStore();
    const writer = wrap(inner, keys);
    const customers = Array.from({ length: 10 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    for (const c of customers) {
      await writer.append(`customer-${c}`, [registered(c), ...Array.from({ length: 99 }, () => ({ ...registered(c), type: 'TouchpointRecorded', data: { customerId: c, subject: 'hello', occurredAt: FIXED } }))], { expectedRevision: 'any', metadata: meta });
    }
    keys.calls = 0;
    const reader = wrap(inner, keys);
    const all = await reader.readAll();
    expect(all).toHaveLength(1000);
    expect(all[999].data.subject).toBe('hello');
    expect(keys.calls).toBe(10);
  });
});
