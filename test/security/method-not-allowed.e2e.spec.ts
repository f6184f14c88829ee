/** A known path with a method it does not declare answers 405 with Allow (problem+json); an unknown path stays 404. */
import request from 'supertest';
import { expectProblem } from '../queries/helpers';
import { startTestApp, type TestApp } from '../support/app';

describe('undeclared methods', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ auth: 'required' });
  });
  afterAll(() => t.close());

  it('answers 405 with the allowed methods, before authentication, for static and parameterised paths', async () => {
    const put = await request(t.http).put('/v1/customers');
    expectProblem(put, 405, [], 'method_not_allowed');
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    const trace = await request(t.http).delete('/v1/subscriptions/3f2b8c1e-5d4a-4e7b-9c0f-1a2b3c4d5e6f/pause');
    expectProblem(trace, 405, [], 'method_not_allowed');
    expect(trace.headers.allow).toBe('POST');
  });

  it('keeps 404 for a path that does not exist', async () => {
    expectProblem(await request(t.http).get('/v1/nothing-here'), 404, [], 'not_found');
  });
});
