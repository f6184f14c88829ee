import { Public } from '../auth';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_STORE, type EventStore } from '@touchpoint/event-store';
import { PROJECTION_LAG } from '../operations/metrics';
import type { ProjectionLag } from '../operations/projection-lag';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTION_LAG) private readonly lag: { reader: ProjectionLag; maxLagSeconds: number },
  ) {}

  /** Liveness and readiness: the event store answers and can append; the read models are not further behind than allowed. */
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
        // Readiness depends on the read models this process answers from, whichever process projects them.
        const indicator = this.indicators.check('projector');
        const { error, ...measured } = await this.lag.reader.read();
        // `lag`: the name monitors (and the benchmark harness) read before lagEvents existed.
        const reading = { ...measured, lag: measured.lagEvents };
        if (error) return indicator.down({ ...reading, error });
        if (this.lag.maxLagSeconds > 0 && reading.lagSeconds > this.lag.maxLagSeconds) {
          return indicator.down({ ...reading, error: `the read models are ${reading.lagSeconds} s behind the log (more than TOUCHPOINT_READY_MAX_LAG_SECONDS=${this.lag.maxLagSeconds})` });
        }
        return indicator.up(reading);
      },
    ]);
  }
}
