export * from './customer-log';
export * from './as-of';
