/**
 * Regressions for bugs found by review: null in optional fields, and
 * contention between concurrent writers on one stream.
 */
import type { AppendOptions, AppendResult, NewEvent } from '@touchpoint/event-store';
import { startTestApp, type TestApp } from '../support/app';
import { call, expectRejected, person, readStream, registerCustomer, send } from './helpers';

describe('optional fields (memory engine)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ engine: 'memory' })));
  afterAll(() => t.close());

  it('null for an optional, non-nullable field is 400 and stores nothing', async () => {
    await expectRejected(t, () => send(t, 'post', '/v1/customers', person({ email: null })), { status: 400, code: 'validation_failed', fields: ['email'] });
  });

  it('a lower-case currency is 400 at the edge, not a 422 from the domain', async () => {
    const customerId = await registerCustomer(t);
    await expectRejected(t, () => send(t, 'post', `/v1/customers/${customerId}/orders`, { currency: 'eur', lines: [{ sku: 'A', quantity: 1, unitPrice: 1, unitCost: 1 }] }), {
      status: 400,
      code: 'validation_failed',
      fields: ['currency'],
    });
  });
});

describe.each(['memory', 'sqlite'] as const)('contention on one stream (%s engine)', (engine) => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ engine })));
  afterAll(() => t.close());

  /** Every append takes `delayMs`, as on a slow disk or a remote store. */
  function slowAppends(delayMs: number): () => void {
    const original = t.store.append;
    t.store.append = async (streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> => {
      await new Promise((r) => setTimeout(r, delayMs));
      return original.call(t.store, streamId, events, options);
    };
    return () => {
      t.store.append = original;
    };
  }

  it('20 concurrent touchpoints without If-Match all succeed when appends take 5 ms', async () => {
    const customerId = await registerCustomer(t);
    const restore = slowAppends(5);
    try {
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => send(t, 'post', `/v1/customers/${customerId}/touchpoints`, call({ subject: `Call ${i}` }))));
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
      expect(responses.map((r) => r.body.streamRevision).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    } finally {
      restore();
    }
    expect(await readStream(t, `customer-${customerId}`)).toHaveLength(21);
  });

  it('a writer in another process that keeps winning yields 409 write_contention with Retry-After, not a stale If-Match', async () => {
    const customerId = await registerCustomer(t);
    const original = t.store.append;
    // Simulates another process appending to the stream just before each of our attempts.
    t.store.append = async (streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> => {
      await original.call(t.store, streamId, [{ type: 'TouchpointRecorded', schemaVersion: 1, data: { customerId, touchpointId: 'x', touchpointType: 'call', channel: 'phone', direction: 'inbound', agent: 'other', subject: 'other process', occurredAt: '2026-03-02T10:00:00.000Z' } }], { expectedRevision: 'any', metadata: { actor: 'other', correlationId: 'c', causationId: 'c' } });
      return original.call(t.store, streamId, events, options);
    };
    try {
      const res = await send(t, 'post', `/v1/customers/${customerId}/touchpoints`, call({ subject: 'mine' }));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('write_contention');
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body.errors).toBeUndefined();
    } finally {
      t.store.append = original;
    }
  });
});
