import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AggregateRunner, CommandContext, CommandResult } from '@touchpoint/application';
import { customerStreamId, dealStreamId, notFound, type CustomerCommand } from '@touchpoint/domain';
import type { Erasure } from '../engines';
import { AGGREGATE_RUNNER, customerAggregate } from './aggregates';

export const ERASURE = Symbol('ERASURE');

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
  constructor(
    @Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner,
    @Inject(ERASURE) private readonly erasure: Erasure,
  ) {}

  async execute({ command, context }: ExecuteCustomerCommand): Promise<CommandResult> {
    if (command.type !== 'EraseCustomer') return this.executeOne(command, context);
    // Merged records are one person: erasing the survivor erases every record merged into it (a chain too). The
    // members are read before: after the erasure this process keeps no state of the customer.
    const members = Object.values((await this.runner.load(customerAggregate, customerStreamId(command.data.customerId))).state.absorbed ?? {});
    const result = await this.executeOne(command, context);
    for (const member of members) {
      await this.execute(
        new ExecuteCustomerCommand(
          { type: 'EraseCustomer', data: { customerId: member, occurredAt: command.data.occurredAt } },
          { ...context, expectedRevision: undefined, ...(context.idempotencyKey !== undefined && { idempotencyKey: `${context.idempotencyKey}#erase:${member}` }) },
        ),
      );
    }
    return result;
  }

  private executeOne(command: CustomerCommand, context: CommandContext): Promise<CommandResult> {
    const streamId = customerStreamId(command.data.customerId);
    // Erasure: the key goes first (in the stream's queue), then CustomerErased records it; a retry after a crash between the two completes it.
    const precondition =
      command.type === 'EraseCustomer'
        ? async () => {
            if ((await this.runner.load(customerAggregate, streamId)).state.status === 'unknown') {
              throw notFound('customer_not_found', `customer ${command.data.customerId} does not exist`, 'customerId');
            }
            await this.erasure.erase(command.data.customerId, command.data.occurredAt);
          }
        : undefined;
    const run = this.runner.execute(customerAggregate, streamId, command, context, precondition);
    if (command.type !== 'EraseCustomer') return run;
    // Cached command states hold decrypted personal data: drop the customer's and its deals' in this process,
    // whether the erasure completed or failed after destroying the key.
    const { customerId } = command.data;
    const forget = () => this.runner.forget((id, state) => id === streamId || (id.startsWith(dealStreamId('')) && (state as { customerId?: string }).customerId === customerId));
    return run.finally(forget);
  }
}
