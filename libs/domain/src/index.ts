export * from './shared';
export * from './customer';
export * from './deal';
export * from './forecast';
export * from './imports';
export * from './value-model';
export * from './catalogue';
export * from './personal-data';
