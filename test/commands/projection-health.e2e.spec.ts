/**
 * Whoever projects, the read models' lag is visible: an API whose projector runs in another process reads the lag
 * from the checkpoints and its /health goes down when the oldest unprojected event is older than allowed; the
 * projector process serves its own /health and /metrics.
 */
import request from 'supertest';
import { PROJECTOR, type Projector } from '@touchpoint/read-models';
import { createMetrics } from '../../apps/api/src/operations/metrics';
import { startOperationsServer } from '../../apps/api/src/operations/operations-server';
import { ProjectionLag } from '../../apps/api/src/operations/projection-lag';
import { startTestApp, type TestApp } from '../support/app';

describe('projection lag in /health and /metrics', () => {
  describe('an API whose projector runs elsewhere (here: not at all)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ engine: 'sqlite', auth: 'required', env: { TOUCHPOINT_PROJECTOR_IN_PROCESS: 'false', TOUCHPOINT_READY_MAX_LAG_SECONDS: '60' } });
    });
    afterAll(() => t?.close());

    it('is ready while the lag is young, 503 naming the lag once the oldest unprojected event is older than allowed', async () => {
      await request(t.http).post('/v1/customers').set({ Authorization: t.bearer('sales') }).send({ kind: 'person', name: 'Waiting' }).expect(201);
      const young = await request(t.http).get('/health').expect(200);
      expect(young.body.info.projector).toMatchObject({ status: 'up', mode: 'external', position: 0, lagEvents: 1, lagSeconds: 0 });
      t.clock.advance(120_000);
      try {
        const old = await request(t.http).get('/health').expect(503);
        expect(old.body.checks.projector).toMatchObject({ status: 'down', lagEvents: 1, lagSeconds: 120, error: expect.stringContaining('120 s behind') });
        const metrics = (await request(t.http).get('/metrics').set({ Authorization: t.bearer('service') }).expect(200)).text;
        expect(metrics).toMatch(/^touchpoint_projector_lag_events 1$/m);
        expect(metrics).toMatch(/^touchpoint_projector_lag_seconds 120$/m);
        expect(metrics).toMatch(/^touchpoint_projector_position 0$/m);
      } finally {
        t.clock.advance(-120_000);
      }
    });
  });

  describe('the projector process’s own port', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ engine: 'memory' });
    });
    afterAll(() => t?.close());

    it('serves /health (up, with position and lag) and /metrics while it runs, and /health 503 when it fell behind', async () => {
      const projector = t.app.get<Projector>(PROJECTOR);
      const lag = new ProjectionLag(t.store, t.readStore, projector, t.clock);
      const server = await startOperationsServer({ port: 0, host: '127.0.0.1', lag, registry: createMetrics(t.store, lag, projector), maxLagSeconds: 30 });
      const url = `http://127.0.0.1:${server.port}`;
      try {
        await request(t.http).post('/v1/customers').send({ kind: 'person', name: 'Projected' }).expect(201);
        await projector.waitFor(await t.store.headPosition(), 2000);
        const up = await fetch(`${url}/health`);
        expect(up.status).toBe(200);
        expect(await up.json()).toMatchObject({ status: 'up', projector: { mode: 'in-process', lagEvents: 0, lagSeconds: 0 } });
        const metrics = await (await fetch(`${url}/metrics`)).text();
        expect(metrics).toMatch(/^touchpoint_projector_position \d+$/m);
        expect(metrics).toMatch(/^touchpoint_projector_cache_documents [1-9]\d*$/m);
        expect(metrics).toMatch(/^touchpoint_projector_cache_limit 10000$/m);
        // Stopped (as if it hung): the events written meanwhile age past the limit.
        await projector.stop();
        await request(t.http).post('/v1/customers').send({ kind: 'person', name: 'Not projected' }).expect(201);
        t.clock.advance(45_000);
        const down = await fetch(`${url}/health`);
        expect(down.status).toBe(503);
        expect(await down.json()).toMatchObject({ status: 'down', projector: { lagEvents: 1, lagSeconds: 45 } });
        expect((await fetch(`${url}/other`)).status).toBe(404);
      } finally {
        t.clock.advance(-45_000);
        await projector.start();
        await server.close();
      }
    });
  });

  describe('the projector’s cache, bounded to 2 documents per read model', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ engine: 'memory', env: { TOUCHPOINT_PROJECTOR_CACHE_DOCS: '2' } });
    });
    afterAll(() => t?.close());

    it('counts in /metrics the documents it read back from the store, and keeps at most the limit in memory', async () => {
      const projector = t.app.get<Projector>(PROJECTOR);
      const registry = createMetrics(t.store, new ProjectionLag(t.store, t.readStore, projector, t.clock), projector);
      const ids: string[] = [];
      for (const name of ['Ada', 'Ben', 'Cleo', 'Dan']) ids.push((await request(t.http).post('/v1/customers').send({ kind: 'person', name }).expect(201)).body.ids.customerId);
      // Ada's 360 was dropped from memory for the newer ones: a touchpoint on her reads it back.
      const touched = await request(t.http).post(`/v1/customers/${ids[0]}/touchpoints`).send({ type: 'call', direction: 'inbound', subject: 'Where is my parcel?' }).expect(201);
      expect(await projector.waitFor(touched.body.globalPosition, 2000)).toBe(true);
      const ada = await request(t.http).get(`/v1/customers/${ids[0]}`).expect(200);
      expect(ada.body.touchpoints.total).toBe(1);
      const text = await registry.metrics();
      expect(Number(/^touchpoint_projector_cache_loaded_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
      expect(text).toMatch(/^touchpoint_projector_cache_limit 2$/m);
      expect(projector.cacheStats.documents).toBeLessThanOrEqual(2 * projector.collections.length);
    });
  });
});
