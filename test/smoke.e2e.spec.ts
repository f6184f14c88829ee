import request from 'supertest';
import { startTestApp, type TestApp } from './support/app';

describe('API smoke', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ engine: 'sqlite' })));
  afterAll(() => t.close());

  it('registers a customer and records a touchpoint with metadata from headers', async () => {
    const created = await request(t.http)
      .post('/v1/customers')
      .set('X-Actor', 'agent:maria')
      .set('X-Correlation-Id', 'campaign-42')
      .send({ kind: 'person', name: 'Olena Koval', email: 'olena@example.com' })
      .expect(201);
    const id = created.body.ids.customerId;
    expect(created.headers.location).toBe(`/v1/customers/${id}`);
    await request(t.http)
      .post(`/v1/customers/${id}/touchpoints`)
      .set('X-Actor', 'agent:maria')
      .set('X-Correlation-Id', 'campaign-42')
      .send({ type: 'call', direction: 'inbound', subject: 'Delivery question', durationSeconds: 180 })
      .expect(201);
    const events = await request(t.http).get(`/v1/streams/customer-${id}/events`).expect(200);
    expect(events.body.events.map((e: { type: string }) => e.type)).toEqual(['CustomerRegistered', 'TouchpointRecorded']);
    expect(events.body.events[1]).toMatchObject({
      streamRevision: 1,
      recordedAt: '2026-03-02T10:00:00.000Z',
      data: { channel: 'phone', agent: 'agent:maria', occurredAt: '2026-03-02T10:00:00.000Z' },
      metadata: { actor: 'agent:maria', correlationId: 'campaign-42' },
    });
  });
});
