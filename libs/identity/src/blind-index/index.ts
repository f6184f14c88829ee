export * from './port';
export * from './hasher';
export * from './memory-blind-index';
export * from './sqlite-blind-index';
export * from './postgres-blind-index';
