export * from './client';
export * as schema from './schema';
export * from './ids';
export * from './audit';
export * from './runs';
export * from './stages';
export * from './artifacts';
export * from './metrics';
export * from './identity';
