import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AggregateRunner, CommandContext, CommandResult } from '@touchpoint/application';
import { conflict, customerStreamId, DomainError, notFound, ruleViolated, type CustomerUnmerged, type TouchpointRecorded } from '@touchpoint/domain';
import { EVENT_STORE, type EventStore } from '@touchpoint/event-store';
import { AGGREGATE_RUNNER, customerAggregate } from './aggregates';

export interface MergeRequest {
  survivorId: string;
  duplicateId: string;
  /** proposed id; a retry of an interrupted merge keeps the first one */
  mergeId: string;
  reason: string;
  occurredAt: string;
}

/** Merges the duplicate's record into the survivor's. The result is the survivor's append, with `ids.mergeId`. */
export class ExecuteMerge extends Command<CommandResult> {
  constructor(
    readonly request: MergeRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class ExecuteUnmerge extends Command<CommandResult> {
  constructor(
    /** reassign: ids of touchpoints recorded on the survivor since the merge that belong to the duplicate */
    readonly request: { survivorId: string; mergeId: string; reason: string; occurredAt: string; reassign?: string[] },
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Each of the two appends gets its own idempotency key, derived from the request's. */
const step = (context: CommandContext, name: string, keepRevision: boolean): CommandContext => ({
  ...context,
  ...(keepRevision ? {} : { expectedRevision: undefined }),
  ...(context.idempotencyKey !== undefined && { idempotencyKey: `${context.idempotencyKey}#${name}` }),
});

/**
 * Two appends, no distributed transaction: the duplicate's CustomerMerged first (it locks that record: it takes no
 * more commands), then the survivor's (the commit point: read models combine the two from it). If the survivor
 * refuses (merged or erased meanwhile), the duplicate is released again. A retry with the same Idempotency-Key after
 * an interruption completes the merge with the first merge id. If-Match applies to the survivor.
 */
@CommandHandler(ExecuteMerge)
export class MergeCommandHandler implements ICommandHandler<ExecuteMerge, CommandResult> {
  constructor(@Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner) {}

  async execute({ request, context }: ExecuteMerge): Promise<CommandResult> {
    const { survivorId, duplicateId, reason, occurredAt } = request;
    if (survivorId === duplicateId) throw new DomainError('rule_violated', 'merge_into_itself', 'a customer cannot be merged into itself', 'duplicateId');
    const survivor = (await this.runner.load(customerAggregate, customerStreamId(survivorId))).state;
    if (survivor.status === 'unknown') throw notFound('customer_not_found', `customer ${survivorId} does not exist`, 'survivorId');
    if (survivor.mergedInto) {
      throw conflict('customer_merged', `customer ${survivorId} was itself merged into ${survivor.mergedInto.survivorId}; merge into ${survivor.mergedInto.survivorId}`, 'survivorId');
    }
    const locked = await this.runner.execute(
      customerAggregate,
      customerStreamId(duplicateId),
      { type: 'MergeCustomerInto', data: { customerId: duplicateId, mergeId: request.mergeId, survivorId, duplicateId, reason, occurredAt } },
      step(context, 'merge:duplicate', false),
    );
    const mergeId = locked.ids.mergeId ?? request.mergeId;
    try {
      const result = await this.runner.execute(
        customerAggregate,
        customerStreamId(survivorId),
        { type: 'AbsorbCustomer', data: { customerId: survivorId, mergeId, survivorId, duplicateId, reason, occurredAt } },
        step(context, 'merge:survivor', true),
      );
      return { ...result, ids: { ...result.ids, mergeId, survivorId, duplicateId } };
    } catch (error) {
      // The survivor refused: give the duplicate its commands back, then report why.
      await this.runner.execute(
        customerAggregate,
        customerStreamId(duplicateId),
        { type: 'ReleaseMergedCustomer', data: { customerId: duplicateId, mergeId, reason: `merge abandoned: ${error instanceof DomainError ? error.code : 'the survivor could not be updated'}`, occurredAt } },
        step(context, 'merge:abandon', false),
      );
      throw error;
    }
  }
}

/**
 * The survivor's CustomerUnmerged first (read models split the two), then the duplicate's (it takes commands again),
 * followed in the same append by the touchpoints given back to it. A retry after an interruption between the two
 * appends gives back what the survivor's CustomerUnmerged recorded.
 */
@CommandHandler(ExecuteUnmerge)
export class UnmergeCommandHandler implements ICommandHandler<ExecuteUnmerge, CommandResult> {
  constructor(
    @Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async execute({ request, context }: ExecuteUnmerge): Promise<CommandResult> {
    const { survivorId, mergeId, reason, occurredAt } = request;
    const reassign = request.reassign ?? [];
    const before = (await this.runner.load(customerAggregate, customerStreamId(survivorId))).state;
    const duplicateOf = before.absorbed?.[mergeId];
    if (reassign.length > 0 && duplicateOf !== undefined && (await this.runner.load(customerAggregate, customerStreamId(duplicateOf))).state.status === 'erased') {
      // Its touchpoints could be recorded nowhere: the duplicate's record takes no more events.
      throw ruleViolated('duplicate_erased', `customer ${duplicateOf} was erased: touchpoints cannot be given back to it`, 'reassignEventIds');
    }
    const recorded = reassign.length > 0 && duplicateOf !== undefined ? await this.sinceMerge(survivorId, mergeId) : undefined;
    const result = await this.runner.execute(
      customerAggregate,
      customerStreamId(survivorId),
      { type: 'UndoMerge', data: { customerId: survivorId, mergeId, reason, occurredAt, ...(recorded && { reassign, recordedSinceMerge: recorded.types }) } },
      step(context, 'unmerge:survivor', true),
    );
    // On a replay the survivor's state no longer names the duplicate: the recorded result does.
    const duplicateId = result.ids.duplicateId ?? before.absorbed?.[mergeId];
    if (duplicateId === undefined) throw notFound('merge_not_found', `customer ${survivorId} has no merge ${mergeId}`, 'mergeId');
    // The ids the survivor's CustomerUnmerged recorded: just decided (the decider accepted every name), or read back.
    const found = result.replayed ? await this.sinceMerge(survivorId, mergeId) : recorded;
    const ids = result.replayed ? (found?.undone?.reassignedEventIds ?? []) : [...new Set(reassign.map((id) => id.toLowerCase()))];
    const reassigned = ids.flatMap((eventId) => {
      const touchpoint = found?.touchpoints.get(eventId);
      return touchpoint ? [{ eventId, touchpoint }] : [];
    });
    await this.runner.execute(
      customerAggregate,
      customerStreamId(duplicateId),
      { type: 'ReleaseMergedCustomer', data: { customerId: duplicateId, mergeId, reason, occurredAt, ...(reassigned.length > 0 && { reassigned }) } },
      // The copies say where they come from, so readers (the follow-up watch) do not take them for new contacts.
      { ...step(context, 'unmerge:duplicate', false), ...(reassigned.length > 0 && { extra: { ...context.extra, reassignedBy: mergeId } }) },
    );
    return { ...result, ids: { ...result.ids, mergeId, survivorId, duplicateId } };
  }

  /**
   * The survivor's stream back to this merge, newest first: the events recorded since it (event id → type, without
   * touchpoints an earlier undo gave back), the touchpoints' data in the clear, and the merge's undo if recorded.
   */
  private async sinceMerge(survivorId: string, mergeId: string) {
    const types: Record<string, string> = {};
    const touchpoints = new Map<string, TouchpointRecorded['data']>();
    const givenBack = new Set<string>();
    let undone: CustomerUnmerged['data'] | undefined;
    const streamId = customerStreamId(survivorId);
    let from = await this.store.streamRevision(streamId);
    while (from >= 0) {
      const page = await this.store.readStream(streamId, { direction: 'backwards', fromRevision: from, maxCount: 500, personalDataOf: TOUCHPOINTS });
      for (const e of page) {
        const data = e.data as { mergeId?: string; survivorId?: string; customerId: string; reassignedEventIds?: string[] };
        const survivorSide = data.mergeId === mergeId && data.survivorId === data.customerId;
        if (e.type === 'CustomerMerged' && survivorSide) return { types, touchpoints, undone };
        if (e.type === 'CustomerUnmerged' && survivorSide) undone = e.data as CustomerUnmerged['data'];
        if (e.type === 'CustomerUnmerged') for (const id of data.reassignedEventIds ?? []) givenBack.add(id);
        if (e.type === 'TouchpointRecorded') touchpoints.set(e.eventId, e.data as TouchpointRecorded['data']);
        if (!givenBack.has(e.eventId)) types[e.eventId] = e.type;
      }
      if (page.length === 0) break;
      from = page[page.length - 1].streamRevision - 1;
    }
    return { types, touchpoints, undone };
  }
}

const TOUCHPOINTS: ReadonlySet<string> = new Set(['TouchpointRecorded']);
