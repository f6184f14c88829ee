import type { CommandContext, CommandResult } from '@touchpoint/application';
import type { ImportCommand, ImportPorts } from '@touchpoint/import';
import { ExecuteCustomerCommand, ExecuteDealCommand } from '../commands';
import { DEAL_COMMAND_TYPES, type CustomerCommand, type DealCommand } from '@touchpoint/domain';

/**
 * An import's records go where HTTP commands go: the same command objects, to the command bus in the API
 * or straight to the same handlers in the CLI.
 */
export function commandExecutor(dispatch: (command: ExecuteCustomerCommand | ExecuteDealCommand) => Promise<CommandResult>): ImportPorts['execute'] {
  return (command: ImportCommand, context: CommandContext) =>
    dispatch(DEAL_COMMAND_TYPES.has(command.type) ? new ExecuteDealCommand(command as DealCommand, context) : new ExecuteCustomerCommand(command as CustomerCommand, context));
}
