export * from './roles';
export * from './key-store.port';
export * from './memory-key-store';
export * from './sqlite-key-store';
export * from './api-keys';
export * from './jwt';
export * from './postgres-key-store';
