export * from './decider-specification';
export * from './clock';
export * from './contracts/event-store.contract';
export * from './contracts/snapshot-store.contract';
export * from './contracts/read-store.contract';
export * from './infra';
export * from './postgres';
export * from './contracts/api-key-store.contract';
