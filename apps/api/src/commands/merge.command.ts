import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AggregateRunner, CommandContext, CommandResult } from '@touchpoint/application';
import { conflict, customerStreamId, DomainError, notFound } from '@touchpoint/domain';
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
    readonly request: { survivorId: string; mergeId: string; reason: string; occurredAt: string },
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

/** The survivor's CustomerUnmerged first (read models split the two), then the duplicate's (it takes commands again). */
@CommandHandler(ExecuteUnmerge)
export class UnmergeCommandHandler implements ICommandHandler<ExecuteUnmerge, CommandResult> {
  constructor(@Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner) {}

  async execute({ request, context }: ExecuteUnmerge): Promise<CommandResult> {
    const { survivorId, mergeId, reason, occurredAt } = request;
    const before = (await this.runner.load(customerAggregate, customerStreamId(survivorId))).state;
    const result = await this.runner.execute(customerAggregate, customerStreamId(survivorId), { type: 'UndoMerge', data: { customerId: survivorId, mergeId, reason, occurredAt } }, step(context, 'unmerge:survivor', true));
    // On a replay the survivor's state no longer names the duplicate: the recorded result does.
    const duplicateId = result.ids.duplicateId ?? before.absorbed?.[mergeId];
    if (duplicateId === undefined) throw notFound('merge_not_found', `customer ${survivorId} has no merge ${mergeId}`, 'mergeId');
    await this.runner.execute(customerAggregate, customerStreamId(duplicateId), { type: 'ReleaseMergedCustomer', data: { customerId: duplicateId, mergeId, reason, occurredAt } }, step(context, 'unmerge:duplicate', false));
    return { ...result, ids: { ...result.ids, mergeId, survivorId, duplicateId } };
  }
}
