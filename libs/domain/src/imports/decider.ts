import type { Decider } from '../shared/decider';
import { conflict, notFound } from '../shared/errors';
import type { ImportCommand } from './commands';
import type { ImportEvent } from './events';

export interface ImportState {
  status: 'unknown' | 'running' | 'finished';
}

export const initialImportState = (): ImportState => ({ status: 'unknown' });

/** An import starts once and finishes once: a second run of the same file is a new import. */
export function decideImport(command: ImportCommand, state: ImportState): ImportEvent[] {
  const { type, data } = command;
  switch (type) {
    case 'StartImport':
      if (state.status !== 'unknown') throw conflict('import_exists', `import ${data.importId} was already started`, 'importId');
      return [{ type: 'ImportStarted', data }];
    case 'FinishImport':
      if (state.status === 'unknown') throw notFound('import_not_found', `import ${data.importId} was never started`, 'importId');
      if (state.status === 'finished') throw conflict('import_finished', `import ${data.importId} has already finished`, 'importId');
      return [{ type: 'ImportFinished', data }];
    default: {
      const _exhaustive: never = type;
      throw new Error(`unknown command ${String(_exhaustive)}`);
    }
  }
}

export function evolveImport(state: ImportState, event: ImportEvent): ImportState {
  switch (event.type) {
    case 'ImportStarted':
      return { status: 'running' };
    case 'ImportFinished':
      return { status: 'finished' };
    default:
      return state;
  }
}

export const importDecider: Decider<ImportCommand, ImportState, ImportEvent> = { decide: decideImport, evolve: evolveImport, initialState: initialImportState };

export const importStreamId = (importId: string) => `import-${importId}`;
