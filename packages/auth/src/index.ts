export * from './auth';
export * from './accounts';
export * from './principal';
export * from './resolve';
export * from './sso';
export * from './tokens';
