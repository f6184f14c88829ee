import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AggregateRunner, CommandContext, CommandResult } from '@touchpoint/application';
import { customerStreamId, type CustomerCommand } from '@touchpoint/domain';
import { AGGREGATE_RUNNER, customerAggregate } from './aggregates';

/** Any customer-stream command, carried over the CommandBus with who/why/guarantees. */
export class ExecuteCustomerCommand extends Command<CommandResult> {
  constructor(
    readonly command: CustomerCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteCustomerCommand)
export class CustomerCommandHandler implements ICommandHandler<ExecuteCustomerCommand, CommandResult> {
  constructor(@Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner) {}

  execute({ command, context }: ExecuteCustomerCommand): Promise<CommandResult> {
    return this.runner.execute(customerAggregate, customerStreamId(command.data.customerId), command, context);
  }
}
