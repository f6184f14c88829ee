import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AggregateRunner, CommandContext, CommandResult } from '@touchpoint/application';
import { assertCustomerMayOpenDeal, customerStreamId, dealStreamId, type DealCommand } from '@touchpoint/domain';
import { AGGREGATE_RUNNER, customerAggregate, dealAggregate } from './aggregates';

export class ExecuteDealCommand extends Command<CommandResult> {
  constructor(
    readonly command: DealCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteDealCommand)
export class DealCommandHandler implements ICommandHandler<ExecuteDealCommand, CommandResult> {
  constructor(@Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner) {}

  execute({ command, context }: ExecuteDealCommand): Promise<CommandResult> {
    // Opening a deal needs a customer that exists: checked against the customer's own state.
    const precondition =
      command.type === 'OpenDeal'
        ? async () => assertCustomerMayOpenDeal((await this.runner.load(customerAggregate, customerStreamId(command.data.customerId))).state, command.data.customerId)
        : undefined;
    return this.runner.execute(dealAggregate, dealStreamId(command.data.dealId), command, context, precondition);
  }
}
