import type { Clock } from '@touchpoint/platform';
import type { EventStore } from '@touchpoint/event-store';
import { ALL_PROJECTIONS, type Projector, type ReadStore } from '@touchpoint/read-models';

export interface LagReading {
  /** in-process: this process runs the projector; external: another process does, seen through its checkpoints */
  mode: 'in-process' | 'external';
  /** the position every projection has reached (the lowest checkpoint) */
  position: number;
  head: number;
  lagEvents: number;
  /** how long the oldest event not yet projected has waited (0 when none) */
  lagSeconds: number;
  error?: string;
}

/**
 * How far the read models are behind the log, the same way whichever process projects: the position reached and
 * the age of the oldest event not yet projected. A projector that died shows as a lag that keeps growing.
 */
export class ProjectionLag {
  constructor(
    private readonly store: EventStore,
    private readonly readStore: ReadStore,
    private readonly projector: Projector | null,
    private readonly clock: Clock,
  ) {}

  async read(): Promise<LagReading> {
    const head = await this.store.headPosition();
    const position = this.projector ? this.projector.position : Math.min(...(await Promise.all(ALL_PROJECTIONS.map((p) => this.readStore.checkpoint(p.name)))));
    const lagEvents = Math.max(0, head - position);
    let lagSeconds = 0;
    if (lagEvents > 0) {
      const [next] = await this.store.readAll({ after: position, maxCount: 1 });
      if (next) lagSeconds = Math.max(0, (this.clock.now().getTime() - Date.parse(next.recordedAt)) / 1000);
    }
    return { mode: this.projector ? 'in-process' : 'external', position, head, lagEvents, lagSeconds: Math.round(lagSeconds * 1000) / 1000, ...(this.projector?.error ? { error: 'projector stopped on an error; see logs' } : {}) };
  }
}
