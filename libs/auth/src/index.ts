export * from './roles';
export * from './api-key-store.port';
export * from './memory-api-key-store';
export * from './sqlite-api-key-store';
export * from './api-keys';
export * from './jwt';
export * from './postgres-api-key-store';
