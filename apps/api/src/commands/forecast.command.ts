import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AggregateRunner, CommandContext, CommandResult } from '@touchpoint/application';
import { forecastStreamId, type ForecastCommand } from '@touchpoint/domain';
import { AGGREGATE_RUNNER, forecastAggregate } from './aggregates';

export class ExecuteForecastCommand extends Command<CommandResult> {
  constructor(
    readonly command: ForecastCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteForecastCommand)
export class ForecastCommandHandler implements ICommandHandler<ExecuteForecastCommand, CommandResult> {
  constructor(@Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner) {}

  execute({ command, context }: ExecuteForecastCommand): Promise<CommandResult> {
    return this.runner.execute(forecastAggregate, forecastStreamId(command.data.submissionId), command, context);
  }
}
