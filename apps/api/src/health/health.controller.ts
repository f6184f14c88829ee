import { Public } from '../auth';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_STORE, type EventStore } from '@touchpoint/event-store';
import { PROJECTOR, type Projector } from '@touchpoint/read-models';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTOR) private readonly projector: Projector | null,
  ) {}

  /** Liveness and readiness: the event store answers and can append; the in-process projector runs, with its lag. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      async () => {
        const indicator = this.indicators.check('eventStore');
        try {
          const headPosition = await this.store.headPosition();
          // Reads may still work while appends cannot (the SQLite commit thread died): not healthy.
          const failure = this.store.writeFailure?.();
          return failure ? indicator.down({ headPosition, error: `appends fail: ${failure.message}` }) : indicator.up({ headPosition });
        } catch (error) {
          return indicator.down({ error: (error as Error).message });
        }
      },
      async () => {
        const indicator = this.indicators.check('projector');
        if (!this.projector) return indicator.up({ mode: 'external' });
        const head = await this.store.headPosition();
        const details = { position: this.projector.position, lag: Math.max(0, head - this.projector.position) };
        return this.projector.error ? indicator.down({ ...details, error: 'projector stopped on an error; see logs' }) : indicator.up(details);
      },
    ]);
  }
}
