export * from './port';
export * from './errors';
export * from './catch-up';
export * from './memory/memory-event-store';
export * from './sqlite/sqlite-event-store';
export * from './postgres/postgres-event-store';
export * from './eventstoredb/eventstoredb-event-store';
