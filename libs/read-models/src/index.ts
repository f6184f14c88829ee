export * from './store';
export * from './projections';
export * from './projector';
export * from './audit';
