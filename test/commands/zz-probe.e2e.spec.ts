import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';

const log = (label: string, r: request.Response) => console.log(label, r.status, r.headers['content-type'], JSON.stringify(r.body));

describe('probe', () => {
  it(`probe`, async () => {
    const t: TestApp = await startTestApp({ engine: 'memory' });
    try {
      for (const ct of ['application/xml', 'text/html', 'multipart/form-data; boundary=x', 'application/vnd.api+json', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/x-www-form-urlencoded']) {
        log(ct, await request(t.http).post(`/v1/customers`).set('content-type', ct).send(ct.includes('json') ? '{"kind":"person","name":"x"}' : 'kind=person&name=x'));
      }
      const r = await request(t.http).post(`/v1/customers`).set('content-type', 'application/x-www-form-urlencoded').send('kind=person&name=x&email=&tags=a&tags=b');
      log('form tags', r);
      if (r.body.streamId) log('ev', await request(t.http).get(`/v1/streams/${r.body.streamId}/events`));
      const id = (await request(t.http).post('/v1/customers').send({ kind: 'person', name: 'A', email: null })).body.ids.customerId;
      log('null email', await request(t.http).get(`/v1/streams/customer-${id}/events`));
    } finally {
      await t.close();
    }
  });
});
