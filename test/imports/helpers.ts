import request from 'supertest';
import type { TestApp } from '../support/app';
import { eventually } from '../queries/helpers';

/** Polls GET /v1/imports/{id} until the import has ended; its final status. */
export async function finished(t: TestApp, importId: string): Promise<Record<string, any>> {
  return eventually(
    async () => (await request(t.http).get(`/v1/imports/${importId}`).expect(200)).body,
    (s) => expect(s.status).not.toBe('running'),
    { timeoutMs: 120_000, intervalMs: 50 },
  );
}
