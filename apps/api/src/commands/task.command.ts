import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AggregateRunner, CommandContext, CommandResult } from '@touchpoint/application';
import { assertTaskSubject, customerStreamId, dealStreamId, SALES_ORG_STREAM, taskStreamId, WEBHOOK_SUBSCRIPTIONS_STREAM, type SalesOrgCommand, type TaskCommand, type WebhookCommand } from '@touchpoint/domain';
import { AGGREGATE_RUNNER, customerAggregate, dealAggregate, salesOrgAggregate, taskAggregate, webhookAggregate } from './aggregates';

export class ExecuteTaskCommand extends Command<CommandResult> {
  constructor(
    readonly command: TaskCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteTaskCommand)
export class TaskCommandHandler implements ICommandHandler<ExecuteTaskCommand, CommandResult> {
  constructor(@Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner) {}

  execute({ command, context }: ExecuteTaskCommand): Promise<CommandResult> {
    const precondition =
      command.type === 'CreateTask'
        ? async () => {
            const { customerId, dealId } = command.data;
            const customer = (await this.runner.load(customerAggregate, customerStreamId(customerId))).state;
            const deal = dealId === undefined ? undefined : (await this.runner.load(dealAggregate, dealStreamId(dealId))).state;
            assertTaskSubject(customer, customerId, deal, dealId);
          }
        : undefined;
    return this.runner.execute(taskAggregate, taskStreamId(command.data.taskId), command, context, precondition);
  }
}

export class ExecuteSalesOrgCommand extends Command<CommandResult> {
  constructor(
    readonly command: SalesOrgCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteSalesOrgCommand)
export class SalesOrgCommandHandler implements ICommandHandler<ExecuteSalesOrgCommand, CommandResult> {
  constructor(@Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner) {}

  execute({ command, context }: ExecuteSalesOrgCommand): Promise<CommandResult> {
    return this.runner.execute(salesOrgAggregate, SALES_ORG_STREAM, command, context);
  }
}

export class ExecuteWebhookCommand extends Command<CommandResult> {
  constructor(
    readonly command: WebhookCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteWebhookCommand)
export class WebhookCommandHandler implements ICommandHandler<ExecuteWebhookCommand, CommandResult> {
  constructor(@Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner) {}

  execute({ command, context }: ExecuteWebhookCommand): Promise<CommandResult> {
    return this.runner.execute(webhookAggregate, WEBHOOK_SUBSCRIPTIONS_STREAM, command, context);
  }
}
