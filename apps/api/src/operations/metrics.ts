import { Roles } from '../auth';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@touchpoint/event-store';
import { PROJECTOR, type Projector } from '@touchpoint/read-models';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Prometheus metrics: process defaults plus log head, projector position and lag. */
export function createMetrics(store: EventStore, projector: Projector | null): Registry {
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
  if (projector) {
    new Gauge({ name: 'touchpoint_projector_position', help: 'Global position the read models have reached', registers: [registry], collect() { this.set(projector.position); } });
    new Gauge({
      name: 'touchpoint_projector_lag_events',
      help: 'Log head position minus projector checkpoint',
      registers: [registry],
      async collect() {
        this.set(Math.max(0, (await store.headPosition()) - projector.position));
      },
    });
  }
  return registry;
}

export const METRICS = Symbol('METRICS');

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
