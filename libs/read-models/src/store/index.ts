export * from './port';
export * from './query';
export * from './memory-read-store';
export * from './sqlite-read-store';
export * from './mongo-read-store';
