import { startTestApp, type TestApp } from '../support/app';
import { SEQUENTIAL_ID, T0, complaint, expectCommandResult, expectMetadata, lastEvent, order, registerCustomer, send } from './helpers';

const AGENT = { 'X-Actor': 'agent:maria', 'X-Correlation-Id': 'order-flow-7' };

describe('orders and complaints (memory engine)', () => {
  let t: TestApp;
  let customerId: string;
  let stream: string;
  /** the customer stream's revision, advanced by each successful command below */
  let revision: number;

  beforeAll(async () => (t = await startTestApp({ engine: 'memory' })));
  afterAll(() => t.close());
  beforeEach(async () => {
    customerId = await registerCustomer(t);
    stream = `customer-${customerId}`;
    revision = 0;
  });

  const placeOrder = async (body = order({ orderId: 'SO-1001' })) => {
    const res = await send(t, 'post', `/v1/customers/${customerId}/orders`, body).expect(201);
    revision += 1;
    return res.body.ids.orderId as string;
  };
  const fileComplaint = async (body = complaint({ complaintId: 'CASE-1' })) => {
    const res = await send(t, 'post', `/v1/customers/${customerId}/complaints`, body).expect(201);
    revision += 1;
    return res.body.ids.complaintId as string;
  };

  describe('orders', () => {
    it('POST /:id/orders places an order: 201, Location, totals and costs computed in minor units', async () => {
      const res = await send(t, 'post', `/v1/customers/${customerId}/orders`, order({ orderId: 'SO-1001', channel: 'web', occurredAt: '2026-02-28T18:00:00Z' }), AGENT);
      expect(res.body.ids).toEqual({ customerId, orderId: 'SO-1001' });
      expectCommandResult(res, { status: 201, streamId: stream, streamRevision: 1, types: ['OrderPlaced'], location: `/v1/customers/${customerId}/history?category=order` });

      const event = await lastEvent(t, stream);
      expect(event.data).toEqual({
        customerId,
        orderId: 'SO-1001',
        currency: 'EUR',
        lines: [
          { sku: 'MUG-1', quantity: 3, unitPrice: 1200, unitCost: 500 },
          { sku: 'TEE-2', quantity: 2, unitPrice: 2500, unitCost: 900 },
        ],
        total: 3 * 1200 + 2 * 2500,
        cost: 3 * 500 + 2 * 900,
        channel: 'web',
        occurredAt: '2026-02-28T18:00:00.000Z',
      });
      expectMetadata(event, { actor: 'agent:maria', correlationId: 'order-flow-7' });
    });

    it('generates the order number when the client gives none', async () => {
      const res = await send(t, 'post', `/v1/customers/${customerId}/orders`, order()).expect(201);
      expect(res.body.ids.orderId).toMatch(SEQUENTIAL_ID);
      expect(res.headers.location).toBe(`/v1/customers/${customerId}/history?category=order`);
      expect((await lastEvent(t, stream)).data).toMatchObject({ orderId: res.body.ids.orderId, occurredAt: T0 });
    });

    it('POST /:id/orders/:orderId/cancellation cancels: 200, OrderCancelled with the order totals and reason', async () => {
      const orderId = await placeOrder();
      const res = await send(t, 'post', `/v1/customers/${customerId}/orders/${orderId}/cancellation`, { reason: 'changed my mind' }, AGENT);
      expectCommandResult(res, { status: 200, streamId: stream, streamRevision: revision + 1, types: ['OrderCancelled'] });
      expect(res.body.ids).toEqual({ customerId, orderId });

      const event = await lastEvent(t, stream);
      expect(event.data).toEqual({ customerId, orderId, currency: 'EUR', total: 8600, cost: 3300, reason: 'changed my mind', occurredAt: T0 });
      expectMetadata(event, { actor: 'agent:maria', correlationId: 'order-flow-7' });
    });

    it('cancellation needs no body at all', async () => {
      const orderId = await placeOrder();
      const res = await send(t, 'post', `/v1/customers/${customerId}/orders/${orderId}/cancellation`);
      expectCommandResult(res, { status: 200, streamId: stream, streamRevision: revision + 1, types: ['OrderCancelled'] });
      expect((await lastEvent(t, stream)).data).not.toHaveProperty('reason');
    });

    it('POST /:id/orders/:orderId/returns with lines returns part of the order: refund and cost reversed per line', async () => {
      const orderId = await placeOrder();
      const res = await send(t, 'post', `/v1/customers/${customerId}/orders/${orderId}/returns`, { lines: [{ sku: 'MUG-1', quantity: 1 }], reason: 'chipped' }, AGENT);
      expectCommandResult(res, { status: 200, streamId: stream, streamRevision: revision + 1, types: ['OrderReturned'] });

      const event = await lastEvent(t, stream);
      expect(event.data).toEqual({ customerId, orderId, currency: 'EUR', lines: [{ sku: 'MUG-1', quantity: 1 }], refund: 1200, costReversed: 500, reason: 'chipped', occurredAt: T0 });
      expectMetadata(event, { actor: 'agent:maria', correlationId: 'order-flow-7' });
    });

    it('a return without lines returns everything still outstanding (full return after a partial one)', async () => {
      const orderId = await placeOrder();
      await send(t, 'post', `/v1/customers/${customerId}/orders/${orderId}/returns`, { lines: [{ sku: 'MUG-1', quantity: 2 }] }).expect(200);
      const res = await send(t, 'post', `/v1/customers/${customerId}/orders/${orderId}/returns`, { occurredAt: '2026-03-05T09:00:00+00:00' });
      expectCommandResult(res, { status: 200, streamId: stream, streamRevision: revision + 2, types: ['OrderReturned'] });
      expect((await lastEvent(t, stream)).data).toEqual({
        customerId,
        orderId,
        currency: 'EUR',
        lines: [
          { sku: 'MUG-1', quantity: 1 },
          { sku: 'TEE-2', quantity: 2 },
        ],
        refund: 1200 + 2 * 2500,
        costReversed: 500 + 2 * 900,
        occurredAt: '2026-03-05T09:00:00.000Z',
      });
    });

    it('a full return in one go (no body) refunds the whole order', async () => {
      const orderId = await placeOrder();
      const res = await send(t, 'post', `/v1/customers/${customerId}/orders/${orderId}/returns`);
      expectCommandResult(res, { status: 200, streamId: stream, streamRevision: revision + 1, types: ['OrderReturned'] });
      expect((await lastEvent(t, stream)).data).toMatchObject({ refund: 8600, costReversed: 3300 });
    });
  });

  describe('complaints', () => {
    it('POST /:id/complaints files a complaint about an order: 201, Location, ComplaintFiled', async () => {
      const orderId = await placeOrder();
      const res = await send(t, 'post', `/v1/customers/${customerId}/complaints`, complaint({ complaintId: 'CASE-1', orderId }), AGENT);
      expect(res.body.ids).toEqual({ customerId, complaintId: 'CASE-1', orderId });
      expectCommandResult(res, {
        status: 201,
        streamId: stream,
        streamRevision: revision + 1,
        types: ['ComplaintFiled'],
        location: `/v1/customers/${customerId}/history?category=complaint`,
      });
      const event = await lastEvent(t, stream);
      expect(event.data).toEqual({
        customerId,
        complaintId: 'CASE-1',
        category: 'delivery',
        severity: 'high',
        channel: 'email',
        description: 'Parcel arrived damaged',
        orderId,
        occurredAt: T0,
      });
      expectMetadata(event, { actor: 'agent:maria', correlationId: 'order-flow-7' });
    });

    it('generates the case number when the client gives none', async () => {
      const res = await send(t, 'post', `/v1/customers/${customerId}/complaints`, complaint()).expect(201);
      expect(res.body.ids.complaintId).toMatch(SEQUENTIAL_ID);
      expect(res.headers.location).toBe(`/v1/customers/${customerId}/history?category=complaint`);
    });

    it('POST /:id/complaints/:caseId/escalation escalates, one level per call', async () => {
      const complaintId = await fileComplaint();
      const first = await send(t, 'post', `/v1/customers/${customerId}/complaints/${complaintId}/escalation`, { reason: 'no answer in 48h', escalatedTo: 'team:tier2' }, AGENT);
      expectCommandResult(first, { status: 200, streamId: stream, streamRevision: revision + 1, types: ['ComplaintEscalated'] });
      expect(first.body.ids).toEqual({ customerId, complaintId });
      const event = await lastEvent(t, stream);
      expect(event.data).toEqual({ customerId, complaintId, level: 1, reason: 'no answer in 48h', escalatedTo: 'team:tier2', occurredAt: T0 });
      expectMetadata(event, { actor: 'agent:maria', correlationId: 'order-flow-7' });

      const second = await send(t, 'post', `/v1/customers/${customerId}/complaints/${complaintId}/escalation`, { reason: 'still unhappy' });
      expectCommandResult(second, { status: 200, streamId: stream, streamRevision: revision + 2, types: ['ComplaintEscalated'] });
      expect((await lastEvent(t, stream)).data).toMatchObject({ level: 2 });
    });

    it('POST /:id/complaints/:caseId/resolution resolves with a satisfaction score', async () => {
      const complaintId = await fileComplaint();
      const res = await send(
        t,
        'post',
        `/v1/customers/${customerId}/complaints/${complaintId}/resolution`,
        { resolution: 'Replacement sent', satisfaction: 4, occurredAt: '2026-03-03T16:45:00+01:00' },
        AGENT,
      );
      expectCommandResult(res, { status: 200, streamId: stream, streamRevision: revision + 1, types: ['ComplaintResolved'] });
      const event = await lastEvent(t, stream);
      expect(event.data).toEqual({ customerId, complaintId, resolution: 'Replacement sent', satisfaction: 4, occurredAt: '2026-03-03T15:45:00.000Z' });
      expectMetadata(event, { actor: 'agent:maria', correlationId: 'order-flow-7' });
    });

    it.each([1, 5])('accepts the satisfaction bound %i', async (satisfaction) => {
      const complaintId = await fileComplaint();
      await send(t, 'post', `/v1/customers/${customerId}/complaints/${complaintId}/resolution`, { resolution: 'ok', satisfaction }).expect(200);
    });
  });
});
