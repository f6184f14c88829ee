import { Upcasters, UPCASTERS, currentSchemaVersion, fold, type Decider } from '@touchpoint/domain';
import {
  IdempotencyKeyReusedError,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type RecordedEvent,
  type Snapshot,
  type SnapshotStore,
} from '@touchpoint/event-store';
import type { CommandContext, CommandResult } from './command-context';

export interface AggregateSpec<C, S, E> {
  decider: Decider<C, S, E>;
  /** bump when the state's shape changes: old snapshots are then ignored */
  stateVersion: string;
  /**
   * The event types whose personal fields `evolve` reads. Loads leave the others sealed, so a stream of
   * touchpoints folds without decrypting them. Absent: every event is decrypted.
   */
  personalDataOf?: ReadonlySet<string>;
  /**
   * Commands that start a stream (registering a customer, opening a deal): decided on the initial state without
   * reading, and appended expecting no stream; if the stream exists after all, the append fails and the runner
   * reads through and decides again (so the answer is the same, only a lookup of nothing is saved).
   */
  startsStream?(command: C): boolean;
}

export interface AggregateRunnerOptions {
  /** write a snapshot once this many events have accumulated since the last one */
  snapshotEvery?: number;
  /** retries when a concurrent writer got in first and the client set no expected revision */
  maxConflictRetries?: number;
  upcasters?: Upcasters;
  /** streams whose last known state is kept in memory, so a command reads only the events appended since (0: off) */
  stateCacheSize?: number;
  /** a background snapshot save failed: report it (the command already succeeded; the next load only reads more events) */
  onSnapshotError?: (error: unknown, snapshot: { streamId: string; revision: number }) => void;
}

/** The runner gave up after its retries: other writers kept changing the stream. Transient: retry later. */
export class WriteContentionError extends Error {
  constructor(readonly streamId: string) {
    super(`stream ${streamId} kept changing under concurrent writers; retry`);
    this.name = 'WriteContentionError';
  }
}

export interface LoadedState<S> {
  state: S;
  revision: number;
  snapshotRevision: number;
}

const PAGE = 1000;

/**
 * The application service shared by every aggregate: load (snapshot + the
 * few events after it), decide, append with optimistic concurrency.
 * A command on a customer with 100k events reads at most `snapshotEvery` of them,
 * and none when the stream's state is cached (the append's expected revision checks the cache).
 */
export class AggregateRunner {
  private readonly snapshotEvery: number;
  private readonly maxConflictRetries: number;
  private readonly upcasters: Upcasters;
  /** commands on one stream run one after another in this process: no self-inflicted conflicts */
  private readonly streamQueues = new Map<string, Promise<unknown>>();
  /**
   * streamId → state after `revision` (LRU). A command decides on it without reading the log: the append
   * expects that revision, so a stream another process changed fails the append and is read through.
   */
  private readonly states = new Map<string, { stateVersion: string; loaded: LoadedState<unknown> }>();
  private readonly stateCacheSize: number;
  private readonly onSnapshotError: (error: unknown, snapshot: { streamId: string; revision: number }) => void;
  /** streamId → the save in flight; at most one per stream so saves of one stream land in revision order */
  private readonly savingSnapshots = new Map<string, Promise<void>>();
  /** streamId → the newest snapshot waiting for the one in flight; a newer one replaces it */
  private readonly pendingSnapshots = new Map<string, Snapshot<unknown>>();
  private closed = false;

  constructor(
    private readonly store: EventStore,
    private readonly snapshots: SnapshotStore,
    options: AggregateRunnerOptions = {},
  ) {
    this.snapshotEvery = options.snapshotEvery ?? 100;
    this.maxConflictRetries = options.maxConflictRetries ?? 8;
    this.upcasters = options.upcasters ?? new Upcasters(UPCASTERS);
    this.stateCacheSize = options.stateCacheSize ?? 10_000;
    this.onSnapshotError = options.onSnapshotError ?? (() => undefined);
  }

  /** Resolves when every snapshot save scheduled so far has settled (saved or reported). */
  async flush(): Promise<void> {
    while (this.savingSnapshots.size) await Promise.all(this.savingSnapshots.values());
  }

  /** Flushes, then schedules no more snapshots. Call before the stores close. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  /** Off the command path: a command never waits for (or fails on) a snapshot. */
  private scheduleSnapshot(snapshot: Snapshot<unknown>): void {
    if (this.closed) return;
    if (this.savingSnapshots.has(snapshot.streamId)) {
      this.pendingSnapshots.set(snapshot.streamId, snapshot);
      return;
    }
    // Started a microtask later so the slot is taken before the drain can end (a save may throw synchronously).
    this.savingSnapshots.set(snapshot.streamId, Promise.resolve().then(() => this.drainSnapshots(snapshot)));
  }

  private async drainSnapshots(first: Snapshot<unknown>): Promise<void> {
    const { streamId } = first;
    for (let next: Snapshot<unknown> | undefined = first; next; next = this.pendingSnapshots.get(streamId)) {
      this.pendingSnapshots.delete(streamId);
      try {
        await this.snapshots.save(next);
      } catch (error) {
        try {
          this.onSnapshotError(error, { streamId, revision: next.revision });
        } catch {
          // a failing reporter must not leave the stream's save slot taken
        }
      }
    }
    this.savingSnapshots.delete(streamId);
  }

  toDomainEvent<E>(event: RecordedEvent): E {
    const { data } = this.upcasters.upcast(event.type, event.schemaVersion, event.data);
    return { type: event.type, data } as E;
  }

  async load<C, S, E>(spec: AggregateSpec<C, S, E>, streamId: string): Promise<LoadedState<S>> {
    const cached = this.states.get(streamId);
    let start: LoadedState<S>;
    if (cached?.stateVersion === spec.stateVersion) start = cached.loaded as LoadedState<S>;
    else {
      const snapshot = await this.snapshots.load<S>(streamId, spec.stateVersion);
      start = { state: snapshot?.state ?? spec.decider.initialState(), revision: snapshot?.revision ?? -1, snapshotRevision: snapshot?.revision ?? -1 };
    }
    let { state, revision } = start;
    for (;;) {
      const page = await this.store.readStream(streamId, { fromRevision: revision + 1, maxCount: PAGE, personalDataOf: spec.personalDataOf });
      state = fold(spec.decider, state, page.map((e) => this.toDomainEvent<E>(e)));
      if (page.length) revision = page[page.length - 1].streamRevision;
      if (page.length < PAGE) break;
    }
    const loaded = { state, revision, snapshotRevision: start.snapshotRevision };
    this.cacheState(streamId, spec.stateVersion, loaded);
    return loaded;
  }

  /**
   * The cached state, unread, when the append can verify it: without a client expectation the runner
   * appends at the cached revision; with one, only if it names that same revision (else read through,
   * so the decision is made on the state the client's revision names).
   */
  private cachedForCommand<S>(spec: { stateVersion: string }, streamId: string, ctx: CommandContext): LoadedState<S> | undefined {
    const cached = this.states.get(streamId);
    if (cached?.stateVersion !== spec.stateVersion) return undefined;
    if (ctx.expectedRevision !== undefined && ctx.expectedRevision !== cached.loaded.revision) return undefined;
    this.cacheState(streamId, spec.stateVersion, cached.loaded); // LRU touch
    return cached.loaded as LoadedState<S>;
  }

  /** A stream-starting command on a stream this process has no state of: assume it does not exist yet (the append checks). */
  private assumedNew<C, S, E>(spec: AggregateSpec<C, S, E>, streamId: string, command: C, ctx: CommandContext): LoadedState<S> | undefined {
    if (!spec.startsStream?.(command) || this.states.has(streamId)) return undefined;
    if (ctx.expectedRevision !== undefined && ctx.expectedRevision !== 'no_stream') return undefined;
    return { state: spec.decider.initialState(), revision: -1, snapshotRevision: -1 };
  }

  /**
   * Drops the cached states that `match` selects (erasure: a cached state holds decrypted personal data).
   * The next command on such a stream loads it from the snapshot and the log again. Returns how many were dropped.
   */
  forget(match: (streamId: string, state: unknown) => boolean): number {
    let dropped = 0;
    for (const [streamId, entry] of this.states) {
      if (!match(streamId, entry.loaded.state)) continue;
      this.states.delete(streamId);
      dropped += 1;
    }
    return dropped;
  }

  /** The cached state of a stream, if any (inspection and tests). */
  cachedState(streamId: string): { revision: number; state: unknown } | undefined {
    const entry = this.states.get(streamId);
    return entry && { revision: entry.loaded.revision, state: entry.loaded.state };
  }

  private cacheState(streamId: string, stateVersion: string, loaded: LoadedState<unknown>): void {
    if (this.stateCacheSize <= 0) return;
    this.states.delete(streamId);
    this.states.set(streamId, { stateVersion, loaded });
    if (this.states.size > this.stateCacheSize) this.states.delete(this.states.keys().next().value as string);
  }

  execute<C, S, E extends { type: string; data: object }>(
    spec: AggregateSpec<C, S, E>,
    streamId: string,
    command: C,
    ctx: CommandContext,
    precondition?: () => Promise<void>,
  ): Promise<CommandResult> {
    const previous = this.streamQueues.get(streamId) ?? Promise.resolve();
    const run = previous.then(
      () => this.executeNow(spec, streamId, command, ctx, precondition),
      () => this.executeNow(spec, streamId, command, ctx, precondition),
    );
    const settled = run.catch(() => undefined);
    this.streamQueues.set(streamId, settled);
    void settled.then(() => {
      if (this.streamQueues.get(streamId) === settled) this.streamQueues.delete(streamId);
    });
    return run;
  }

  private async executeNow<C, S, E extends { type: string; data: object }>(
    spec: AggregateSpec<C, S, E>,
    streamId: string,
    command: C,
    ctx: CommandContext,
    precondition?: () => Promise<void>,
  ): Promise<CommandResult> {
    const earlier = await this.remembered(ctx);
    if (earlier) return earlier;
    await precondition?.();

    for (let attempt = 0; ; attempt++) {
      // First try on the cached state without reading: if another process wrote since, the append's
      // expected revision fails and the retry reads through. A rejection by stale state is re-checked too.
      const unverified = attempt === 0 ? (this.cachedForCommand<S>(spec, streamId, ctx) ?? this.assumedNew(spec, streamId, command, ctx)) : undefined;
      const loaded = unverified ?? (await this.load(spec, streamId));
      let events: E[];
      try {
        events = spec.decider.decide(command, loaded.state);
      } catch (error) {
        if (!unverified) throw error;
        this.states.delete(streamId);
        continue;
      }
      try {
        const result = await this.store.append(
          streamId,
          events.map((e) => ({ type: e.type, schemaVersion: this.versionOf(e.type), data: e.data as Record<string, unknown> })),
          {
            expectedRevision: ctx.expectedRevision ?? (loaded.revision === -1 ? 'no_stream' : loaded.revision),
            metadata: {
              ...ctx.extra,
              actor: ctx.actor,
              correlationId: ctx.correlationId,
              causationId: ctx.causationId,
              ...(ctx.idempotencyKey !== undefined && { idempotencyKey: ctx.idempotencyKey }),
            },
            ...(ctx.idempotencyKey !== undefined && { idempotency: { key: ctx.idempotencyKey, requestHash: ctx.requestHash ?? '' } }),
          },
        );
        if (!result.replayed && result.streamRevision === loaded.revision + events.length) {
          const state = fold(spec.decider, loaded.state, events);
          let snapshotRevision = loaded.snapshotRevision;
          if (result.streamRevision - snapshotRevision >= this.snapshotEvery) {
            // `state` is the fold up to exactly this revision and is never mutated, so the snapshot can be written later.
            this.scheduleSnapshot({ streamId, revision: result.streamRevision, stateVersion: spec.stateVersion, state });
            snapshotRevision = result.streamRevision;
          }
          this.cacheState(streamId, spec.stateVersion, { state, revision: result.streamRevision, snapshotRevision });
        }
        return toCommandResult(result, streamId);
      } catch (error) {
        // Without a client expectation the conflict is ours to resolve: decide again on fresh state,
        // after a short jittered pause so writers in other processes spread out.
        // A stale cached state is dropped either way (it may hold plaintext erased elsewhere).
        if (error instanceof WrongExpectedRevisionError && unverified) this.states.delete(streamId);
        if (!(error instanceof WrongExpectedRevisionError) || ctx.expectedRevision !== undefined) throw error;
        if (unverified) continue; // stale cache, not contention: read through at once
        if (attempt >= this.maxConflictRetries) throw new WriteContentionError(streamId);
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
      }
    }
  }

  private async remembered(ctx: CommandContext): Promise<CommandResult | undefined> {
    if (ctx.idempotencyKey === undefined) return undefined;
    const earlier = await this.store.findIdempotent(ctx.idempotencyKey);
    if (!earlier) return undefined;
    if (earlier.requestHash !== (ctx.requestHash ?? '')) throw new IdempotencyKeyReusedError(ctx.idempotencyKey);
    return toCommandResult(earlier, earlier.streamId);
  }

  private versionOf(type: string): number {
    return currentSchemaVersion(type);
  }
}

const ID_FIELDS = ['customerId', 'dealId', 'touchpointId', 'orderId', 'complaintId', 'contactId', 'submissionId', 'mergeId', 'survivorId', 'duplicateId', 'taskId', 'quoteId', 'priceListId', 'invoiceId', 'paymentId', 'offerId'];

export function toCommandResult(result: AppendResult, streamId: string): CommandResult {
  const ids: Record<string, string> = {};
  for (const e of result.events) {
    for (const field of ID_FIELDS) {
      const value = e.data[field];
      if (typeof value === 'string' && ids[field] === undefined) ids[field] = value;
    }
  }
  return {
    streamId,
    streamRevision: result.streamRevision,
    globalPosition: result.globalPosition,
    ids,
    events: result.events.map((e) => ({ eventId: e.eventId, type: e.type, streamRevision: e.streamRevision, globalPosition: e.globalPosition })),
    replayed: result.replayed,
  };
}
