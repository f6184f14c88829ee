import { Roles } from '../auth';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@touchpoint/event-store';
import { PROJECTOR, type Projector } from '@touchpoint/read-models';
import type { LagReading, ProjectionLag } from './projection-lag';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Prometheus metrics: process defaults plus log head, and how far the read models are behind (whoever projects). */
export function createMetrics(store: EventStore, lag: ProjectionLag, projector?: Projector | null): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'touchpoint_' });
  new Gauge({
    name: 'touchpoint_event_log_head_position',
    help: 'Global position of the last event in the log',
    registers: [registry],
    async collect() {
      this.set(await store.headPosition());
    },
  });
  // One reading per scrape, shared by the three gauges.
  let reading: Promise<LagReading> | undefined;
  const read = () => (reading ??= lag.read().finally(() => setTimeout(() => (reading = undefined), 0)));
  const gauge = (name: string, help: string, value: (r: LagReading) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(value(await read()));
      },
    });
  gauge('touchpoint_projector_position', 'Global position every projection has reached (the in-process projector, or the lowest checkpoint in the read store)', (r) => r.position);
  gauge('touchpoint_projector_lag_events', 'Log head position minus the projections’ position', (r) => r.lagEvents);
  gauge('touchpoint_projector_lag_seconds', 'Age of the oldest event not yet projected, in seconds (0 when caught up)', (r) => r.lagSeconds);
  if (projector) projectorCacheMetrics(registry, projector);
  return registry;
}

/** The projector's bounded cache (ADR 0009), where this process runs the projector. */
function projectorCacheMetrics(registry: Registry, projector: Projector): void {
  const stat = <K extends keyof Projector['cacheStats']>(key: K) => () => projector.cacheStats[key];
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });
  const counter = (name: string, help: string, value: () => number) => {
    let seen = 0;
    return new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = value();
        this.inc(Math.max(0, now - seen));
        seen = now;
      },
    });
  };
  gauge('touchpoint_projector_cache_documents', 'Documents the projector keeps in memory, all cached read models together', stat('documents'));
  gauge('touchpoint_projector_cache_limit', 'Most documents kept per cached read model (TOUCHPOINT_PROJECTOR_CACHE_DOCS; 0: no limit)', stat('limit'));
  counter('touchpoint_projector_cache_loaded_total', 'Documents read back from the read store because they were not in memory', stat('loaded'));
  counter('touchpoint_projector_batches_reapplied_total', 'Batches applied a second time after reading documents nobody foresaw', stat('reapplied'));
  gauge('touchpoint_projector_ranking_seconds', 'How long the last re-ranking of all customers took (tiers, RFM, value distribution)', stat('rankSeconds'));
}

export const METRICS = Symbol('METRICS');
export const PROJECTION_LAG = Symbol('PROJECTION_LAG');

@ApiTags('operations')
@Roles('service')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS) private readonly registry: Registry) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

export { EVENT_STORE, PROJECTOR };
