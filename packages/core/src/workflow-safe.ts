/**
 * What workflow code (a deterministic sandbox) and browser code may import from core: no Node
 * built-ins, no process environment. The server-side index re-exports all of it.
 */
export * from './status';
export * from './stages';
export * from './stage-reports';
export * from './run-workflow';
export * from './access';
export * from './evaluation';
export * from './approval';
export * from './registry';
export * from './erasure';
export * from './model-card';
export * from './take-home';
export * from './lineage';
export * from './usage';
export * from './quotas';
