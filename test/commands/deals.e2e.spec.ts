import { startTestApp, type TestApp } from '../support/app';
import { SEQUENTIAL_ID, T0, deal, expectCommandResult, expectMetadata, lastEvent, openDeal, registerCustomer, send } from './helpers';

const SALES = { 'X-Actor': 'sales:petro', 'X-Correlation-Id': 'pipeline-review' };

describe('deal commands (memory engine)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ engine: 'memory' })));
  afterAll(() => t.close());

  describe('POST /v1/deals', () => {
    it('opens a deal: 201, Location, ETag "0", DealOpened at stage lead owned by the actor', async () => {
      const customerId = await registerCustomer(t);
      const res = await send(t, 'post', '/v1/deals', deal(customerId), SALES);
      const dealId = res.body.ids.dealId;
      expect(dealId).toMatch(SEQUENTIAL_ID);
      expect(res.body.ids).toEqual({ dealId, customerId });
      expectCommandResult(res, { status: 201, streamId: `deal-${dealId}`, streamRevision: 0, types: ['DealOpened'], location: `/v1/deals/${dealId}` });

      const event = await lastEvent(t, `deal-${dealId}`);
      expect(event.data).toEqual({
        dealId,
        customerId,
        title: 'Office chairs',
        amount: 450000,
        currency: 'EUR',
        stage: 'lead',
        expectedCloseDate: '2026-06-30',
        owner: 'sales:petro',
        occurredAt: T0,
      });
      expectMetadata(event, { actor: 'sales:petro', correlationId: 'pipeline-review' });
    });

    it('keeps a client-chosen deal id (lower-cased), stage, owner and business time; the customer id is lower-cased too', async () => {
      const customerId = await registerCustomer(t);
      const dealId = 'DEA10000-0000-4000-8000-0000000000AA';
      const body = deal(customerId.toUpperCase(), { dealId, stage: 'proposal', owner: 'sales:olha', occurredAt: '2026-02-01T09:00:00+02:00' });
      const res = await send(t, 'post', '/v1/deals', body);
      expectCommandResult(res, { status: 201, streamId: `deal-${dealId.toLowerCase()}`, streamRevision: 0, types: ['DealOpened'], location: `/v1/deals/${dealId.toLowerCase()}` });
      expect((await lastEvent(t, `deal-${dealId.toLowerCase()}`)).data).toMatchObject({
        dealId: dealId.toLowerCase(),
        customerId,
        stage: 'proposal',
        owner: 'sales:olha',
        occurredAt: '2026-02-01T07:00:00.000Z',
      });
    });
  });

  describe('pipeline changes (all 200, no Location)', () => {
    let customerId: string;
    let dealId: string;
    beforeEach(async () => ({ customerId, dealId } = await openDeal(t)));

    it('POST /:id/stage moves the deal: DealStageChanged from → to; the same stage again records nothing', async () => {
      const res = await send(t, 'post', `/v1/deals/${dealId}/stage`, { stage: 'qualified' }, SALES);
      expectCommandResult(res, { status: 200, streamId: `deal-${dealId}`, streamRevision: 1, types: ['DealStageChanged'] });
      expect(res.body.ids).toEqual({ dealId, customerId });
      const event = await lastEvent(t, `deal-${dealId}`);
      expect(event.data).toEqual({ dealId, customerId, from: 'lead', to: 'qualified', occurredAt: T0 });
      expectMetadata(event, { actor: 'sales:petro', correlationId: 'pipeline-review' });

      const again = await send(t, 'post', `/v1/deals/${dealId}/stage`, { stage: 'qualified' });
      expectCommandResult(again, { status: 200, streamId: `deal-${dealId}`, streamRevision: 1, types: [] });
    });

    it('POST /:id/amount changes the amount, keeping or changing the currency', async () => {
      const res = await send(t, 'post', `/v1/deals/${dealId}/amount`, { amount: 500000 }, SALES);
      expectCommandResult(res, { status: 200, streamId: `deal-${dealId}`, streamRevision: 1, types: ['DealAmountChanged'] });
      const event = await lastEvent(t, `deal-${dealId}`);
      expect(event.data).toEqual({ dealId, customerId, amount: 500000, currency: 'EUR', occurredAt: T0 });
      expectMetadata(event, { actor: 'sales:petro', correlationId: 'pipeline-review' });

      const usd = await send(t, 'post', `/v1/deals/${dealId}/amount`, { amount: 540000, currency: 'USD', occurredAt: '2026-03-01T00:00:00Z' });
      expectCommandResult(usd, { status: 200, streamId: `deal-${dealId}`, streamRevision: 2, types: ['DealAmountChanged'] });
      expect((await lastEvent(t, `deal-${dealId}`)).data).toEqual({ dealId, customerId, amount: 540000, currency: 'USD', occurredAt: '2026-03-01T00:00:00.000Z' });
    });

    it('POST /:id/close-date moves the expected close date', async () => {
      const res = await send(t, 'post', `/v1/deals/${dealId}/close-date`, { expectedCloseDate: '2026-07-15' }, SALES);
      expectCommandResult(res, { status: 200, streamId: `deal-${dealId}`, streamRevision: 1, types: ['DealCloseDateChanged'] });
      const event = await lastEvent(t, `deal-${dealId}`);
      expect(event.data).toEqual({ dealId, customerId, expectedCloseDate: '2026-07-15', occurredAt: T0 });
      expectMetadata(event, { actor: 'sales:petro', correlationId: 'pipeline-review' });
    });

    it('POST /:id/won wins the deal at its current stage, with an optional final amount', async () => {
      await send(t, 'post', `/v1/deals/${dealId}/stage`, { stage: 'negotiation' }).expect(200);
      const res = await send(t, 'post', `/v1/deals/${dealId}/won`, { amount: 430000 }, SALES);
      expectCommandResult(res, { status: 200, streamId: `deal-${dealId}`, streamRevision: 2, types: ['DealWon'] });
      const event = await lastEvent(t, `deal-${dealId}`);
      expect(event.data).toEqual({ dealId, customerId, stage: 'negotiation', amount: 430000, currency: 'EUR', occurredAt: T0 });
      expectMetadata(event, { actor: 'sales:petro', correlationId: 'pipeline-review' });
    });

    it('POST /:id/won without a body keeps the quoted amount', async () => {
      const res = await send(t, 'post', `/v1/deals/${dealId}/won`);
      expectCommandResult(res, { status: 200, streamId: `deal-${dealId}`, streamRevision: 1, types: ['DealWon'] });
      expect((await lastEvent(t, `deal-${dealId}`)).data).toMatchObject({ stage: 'lead', amount: 450000 });
    });

    it('POST /:id/lost loses the deal with a reason and competitor', async () => {
      const res = await send(t, 'post', `/v1/deals/${dealId}/lost`, { reason: 'price', competitor: 'Globex', occurredAt: '2026-03-01T10:00:00-05:00' }, SALES);
      expectCommandResult(res, { status: 200, streamId: `deal-${dealId}`, streamRevision: 1, types: ['DealLost'] });
      const event = await lastEvent(t, `deal-${dealId}`);
      expect(event.data).toEqual({
        dealId,
        customerId,
        stage: 'lead',
        amount: 450000,
        currency: 'EUR',
        reason: 'price',
        competitor: 'Globex',
        occurredAt: '2026-03-01T15:00:00.000Z',
      });
      expectMetadata(event, { actor: 'sales:petro', correlationId: 'pipeline-review' });
    });
  });
});
