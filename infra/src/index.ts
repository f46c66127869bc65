export * from './stack';
export * from './toolchain';
export * from './ports';
export * from './postgres';
export * from './temporal';
export * from './demo-model';
export * from './startup';
export * from './accounts';
