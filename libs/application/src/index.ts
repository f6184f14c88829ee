export * from './command-context';
export * from './aggregate-runner';
