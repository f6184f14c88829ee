import type { ImportFinished, ImportStarted } from './events';

export type StartImport = { type: 'StartImport'; data: ImportStarted['data'] };
export type FinishImport = { type: 'FinishImport'; data: ImportFinished['data'] };
export type ImportCommand = StartImport | FinishImport;
