export * from './roles.decorator';
export * from './authenticator';
export * from './auth.guard';
export * from './identity-actor';
export * from './dev-mode';
export * from './session.controller';
