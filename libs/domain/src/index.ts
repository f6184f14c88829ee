export * from './shared';
export * from './customer';
export * from './deal';
export * from './catalogue';
