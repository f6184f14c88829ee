import { startTestApp, type TestApp } from '../support/app';
import {
  SEQUENTIAL_ID,
  T0,
  call,
  company,
  expectCommandResult,
  expectMetadata,
  lastEvent,
  person,
  readStream,
  registerCustomer,
  send,
} from './helpers';

const AGENT = { 'X-Actor': 'agent:maria', 'X-Correlation-Id': 'campaign-42' };

describe('customer commands (memory engine)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ engine: 'memory' })));
  afterAll(() => t.close());

  describe('POST /v1/customers', () => {
    it('registers a person: 201, Location, ETag "0" and a CustomerRegistered event with metadata from the headers', async () => {
      const res = await send(t, 'post', '/v1/customers', person(), AGENT);
      const customerId = res.body.ids.customerId;
      expect(customerId).toMatch(SEQUENTIAL_ID);
      expect(res.body.ids).toEqual({ customerId });
      expectCommandResult(res, {
        status: 201,
        streamId: `customer-${customerId}`,
        streamRevision: 0,
        types: ['CustomerRegistered'],
        location: `/v1/customers/${customerId}`,
      });

      const [event] = await readStream(t, `customer-${customerId}`);
      expect(event).toMatchObject({ type: 'CustomerRegistered', schemaVersion: 1, streamRevision: 0, globalPosition: res.body.globalPosition });
      expect(event.data).toEqual({ customerId, kind: 'person', name: 'Olena Koval', email: 'olena@example.com', tags: [], occurredAt: T0 });
      expectMetadata(event, { actor: 'agent:maria', correlationId: 'campaign-42' });
    });

    it('registers a company with every field, a client-chosen id (lower-cased), normalised tags and a past occurredAt in UTC', async () => {
      const chosen = 'ABCDEF01-2345-4678-9ABC-DEF012345678';
      const body = company({
        customerId: chosen,
        email: 'sales@acme.example',
        phone: '+380 44 123-45-67',
        address: { line1: 'Khreshchatyk 1', city: 'Kyiv', postalCode: '01001', country: 'UA' },
        company: 'Acme Holding',
        tags: [' VIP ', 'wholesale', 'vip'],
        owner: 'agent:ivan',
        occurredAt: '2025-12-31T23:30:00-02:00',
      });
      const res = await send(t, 'post', '/v1/customers', body, AGENT);
      const customerId = chosen.toLowerCase();
      expectCommandResult(res, { status: 201, streamId: `customer-${customerId}`, streamRevision: 0, types: ['CustomerRegistered'], location: `/v1/customers/${customerId}` });

      const event = await lastEvent(t, `customer-${customerId}`);
      expect(event.data).toEqual({
        customerId,
        kind: 'company',
        name: 'Acme Ltd',
        email: 'sales@acme.example',
        phone: '+380 44 123-45-67',
        address: { line1: 'Khreshchatyk 1', city: 'Kyiv', postalCode: '01001', country: 'UA' },
        company: 'Acme Holding',
        tags: ['vip', 'wholesale'],
        owner: 'agent:ivan',
        occurredAt: '2026-01-01T01:30:00.000Z',
      });
      // recordedAt is the store's clock, occurredAt the client's business time
      expect(event.recordedAt).toBe(T0);
    });

    it('without X-Actor and X-Correlation-Id records actor "anonymous" and a generated correlation id (= causation id)', async () => {
      const customerId = await registerCustomer(t);
      const event = await lastEvent(t, `customer-${customerId}`);
      expectMetadata(event, { actor: 'anonymous' });
      expect(event.metadata).not.toHaveProperty('idempotencyKey');
    });

    it('stamps recordedAt and the default occurredAt from the injected clock', async () => {
      t.clock.set('2026-04-01T08:30:00.000Z');
      try {
        const customerId = await registerCustomer(t);
        const event = await lastEvent(t, `customer-${customerId}`);
        expect(event.recordedAt).toBe('2026-04-01T08:30:00.000Z');
        expect(event.data.occurredAt).toBe('2026-04-01T08:30:00.000Z');
      } finally {
        t.clock.set(T0);
      }
    });
  });

  describe('PATCH /v1/customers/:id', () => {
    it('records only the fields that change; null clears an optional field; 200 with ETag and no Location', async () => {
      const customerId = await registerCustomer(t, person({ phone: '+380441234567', tags: ['b2c'] }));
      const res = await send(
        t,
        'patch',
        `/v1/customers/${customerId}`,
        { name: 'Olena Koval-Shevchenko', email: null, phone: '+380441234567', tags: ['B2C', 'loyal'], occurredAt: '2026-03-01T09:00:00Z' },
        AGENT,
      );
      expectCommandResult(res, { status: 200, streamId: `customer-${customerId}`, streamRevision: 1, types: ['CustomerProfileChanged'] });
      expect(res.body.ids).toEqual({ customerId });

      const event = await lastEvent(t, `customer-${customerId}`);
      expect(event.data).toEqual({
        customerId,
        changes: { name: 'Olena Koval-Shevchenko', email: null, tags: ['b2c', 'loyal'] },
        occurredAt: '2026-03-01T09:00:00.000Z',
      });
      expectMetadata(event, { actor: 'agent:maria', correlationId: 'campaign-42' });
    });

    it('a repeated PATCH is a no-op: 200, no events, same revision, nothing appended', async () => {
      const customerId = await registerCustomer(t);
      await send(t, 'patch', `/v1/customers/${customerId}`, { owner: 'agent:ivan' }).expect(200);
      const head = await t.store.headPosition();
      const res = await send(t, 'patch', `/v1/customers/${customerId}`, { owner: 'agent:ivan' });
      expectCommandResult(res, { status: 200, streamId: `customer-${customerId}`, streamRevision: 1, types: [] });
      expect(await t.store.headPosition()).toBe(head);
    });

    it('accepts an upper-case id in the path and acts on the lower-case stream', async () => {
      const customerId = await registerCustomer(t);
      const res = await send(t, 'patch', `/v1/customers/${customerId.toUpperCase()}`, { name: 'Renamed' });
      expectCommandResult(res, { status: 200, streamId: `customer-${customerId}`, streamRevision: 1, types: ['CustomerProfileChanged'] });
    });
  });

  describe('contacts', () => {
    it('POST /:id/contacts adds a contact person to a company: 201 with the contact Location', async () => {
      const customerId = await registerCustomer(t, company());
      const res = await send(t, 'post', `/v1/customers/${customerId}/contacts`, { name: 'Ivan Petrenko', role: 'Buyer', email: 'ivan@acme.example', phone: '+380501112233' }, AGENT);
      const contactId = res.body.ids.contactId;
      expect(contactId).toMatch(SEQUENTIAL_ID);
      expect(res.body.ids).toEqual({ customerId, contactId });
      expectCommandResult(res, {
        status: 201,
        streamId: `customer-${customerId}`,
        streamRevision: 1,
        types: ['ContactPersonAdded'],
        location: `/v1/customers/${customerId}`,
      });
      const event = await lastEvent(t, `customer-${customerId}`);
      expect(event.data).toEqual({ customerId, contactId, name: 'Ivan Petrenko', role: 'Buyer', email: 'ivan@acme.example', phone: '+380501112233', occurredAt: T0 });
      expectMetadata(event, { actor: 'agent:maria', correlationId: 'campaign-42' });
    });

    it('DELETE /:id/contacts/:contactId removes it: 200, ContactPersonRemoved', async () => {
      const customerId = await registerCustomer(t, company());
      const added = await send(t, 'post', `/v1/customers/${customerId}/contacts`, { name: 'Ivan Petrenko' }).expect(201);
      const contactId = added.body.ids.contactId;

      const res = await send(t, 'delete', `/v1/customers/${customerId}/contacts/${contactId}`, undefined, AGENT);
      expectCommandResult(res, { status: 200, streamId: `customer-${customerId}`, streamRevision: 2, types: ['ContactPersonRemoved'] });
      const event = await lastEvent(t, `customer-${customerId}`);
      expect(event.data).toEqual({ customerId, contactId, occurredAt: T0 });
      expectMetadata(event, { actor: 'agent:maria', correlationId: 'campaign-42' });
    });
  });

  describe('PUT /:id/preferred-channel and /:id/marketing-consent', () => {
    it('changes the preferred channel: 200, PreferredChannelChanged; the same channel again records nothing', async () => {
      const customerId = await registerCustomer(t);
      const res = await send(t, 'put', `/v1/customers/${customerId}/preferred-channel`, { channel: 'sms' }, AGENT);
      expectCommandResult(res, { status: 200, streamId: `customer-${customerId}`, streamRevision: 1, types: ['PreferredChannelChanged'] });
      const event = await lastEvent(t, `customer-${customerId}`);
      expect(event.data).toEqual({ customerId, channel: 'sms', occurredAt: T0 });
      expectMetadata(event, { actor: 'agent:maria', correlationId: 'campaign-42' });

      const again = await send(t, 'put', `/v1/customers/${customerId}/preferred-channel`, { channel: 'sms' });
      expectCommandResult(again, { status: 200, streamId: `customer-${customerId}`, streamRevision: 1, types: [] });
    });

    it('grants and withdraws marketing consent with its source and business time', async () => {
      const customerId = await registerCustomer(t);
      const granted = await send(t, 'put', `/v1/customers/${customerId}/marketing-consent`, { granted: true, source: 'web form', occurredAt: '2026-03-01T12:00:00+02:00' }, AGENT);
      expectCommandResult(granted, { status: 200, streamId: `customer-${customerId}`, streamRevision: 1, types: ['MarketingConsentChanged'] });
      expect((await lastEvent(t, `customer-${customerId}`)).data).toEqual({ customerId, granted: true, source: 'web form', occurredAt: '2026-03-01T10:00:00.000Z' });

      const withdrawn = await send(t, 'put', `/v1/customers/${customerId}/marketing-consent`, { granted: false });
      expectCommandResult(withdrawn, { status: 200, streamId: `customer-${customerId}`, streamRevision: 2, types: ['MarketingConsentChanged'] });
      const event = await lastEvent(t, `customer-${customerId}`);
      expect(event.data).toEqual({ customerId, granted: false, occurredAt: T0 });
      expectMetadata(event, { actor: 'anonymous' });
    });
  });

  describe('POST /:id/touchpoints', () => {
    const DEFAULT_CHANNEL = [
      ['call', 'phone'],
      ['email', 'email'],
      ['web_visit', 'web'],
      ['meeting', 'in_person'],
      ['chat', 'chat'],
      ['sms', 'sms'],
      ['letter', 'mail'],
      ['fax', 'fax'],
    ] as const;

    it.each(DEFAULT_CHANNEL)('records a %s (default channel %s): 201 with Location, agent = X-Actor', async (type, channel) => {
      const customerId = await registerCustomer(t);
      const res = await send(t, 'post', `/v1/customers/${customerId}/touchpoints`, { type, direction: 'outbound', subject: `A ${type}` }, AGENT);
      const touchpointId = res.body.ids.touchpointId;
      expect(touchpointId).toMatch(SEQUENTIAL_ID);
      expect(res.body.ids).toEqual({ customerId, touchpointId });
      expectCommandResult(res, {
        status: 201,
        streamId: `customer-${customerId}`,
        streamRevision: 1,
        types: ['TouchpointRecorded'],
        location: `/v1/customers/${customerId}/history?category=touchpoint`,
      });

      const event = await lastEvent(t, `customer-${customerId}`);
      expect(event.data).toEqual({ customerId, touchpointId, touchpointType: type, channel, direction: 'outbound', agent: 'agent:maria', subject: `A ${type}`, occurredAt: T0 });
      expectMetadata(event, { actor: 'agent:maria', correlationId: 'campaign-42' });
    });

    it('keeps every optional field: explicit channel, agent, summary, duration, outcome, url and occurredAt in UTC', async () => {
      const customerId = await registerCustomer(t);
      const body = call({
        channel: 'video',
        agent: 'agent:ivan',
        summary: 'Customer asked about the delivery window',
        durationSeconds: 180,
        outcome: 'resolved',
        url: 'https://recordings.example/call/1',
        occurredAt: '2026-03-01T08:15:30.5+01:00',
      });
      const res = await send(t, 'post', `/v1/customers/${customerId}/touchpoints`, body, AGENT).expect(201);
      const event = await lastEvent(t, `customer-${customerId}`);
      expect(event.data).toEqual({
        customerId,
        touchpointId: res.body.ids.touchpointId,
        touchpointType: 'call',
        channel: 'video',
        direction: 'inbound',
        agent: 'agent:ivan',
        subject: 'Delivery question',
        summary: 'Customer asked about the delivery window',
        durationSeconds: 180,
        outcome: 'resolved',
        url: 'https://recordings.example/call/1',
        occurredAt: '2026-03-01T07:15:30.500Z',
      });
    });

    it('without X-Actor the agent defaults to "anonymous"', async () => {
      const customerId = await registerCustomer(t);
      await send(t, 'post', `/v1/customers/${customerId}/touchpoints`, call()).expect(201);
      const event = await lastEvent(t, `customer-${customerId}`);
      expect(event.data.agent).toBe('anonymous');
      expectMetadata(event, { actor: 'anonymous' });
    });
  });
});
