export * from './types';
export * from './events';
export * from './commands';
export * from './decider';
