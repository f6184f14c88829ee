export * from './dates';
export * from './importer';
export * from './lines';
export * from './mapping';
export * from './records';
export * from './rejections';
export * from './sources';
