export * from './checkpoint-store';
export * from './kafka-relay';
export * from './envelope';
