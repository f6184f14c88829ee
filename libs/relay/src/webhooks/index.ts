export * from './signing';
export * from './state-store';
export * from './sqlite-state-store';
export * from './postgres-state-store';
export * from './sender';
export * from './dispatcher';
