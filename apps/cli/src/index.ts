export { buildProgram } from './program';
export { RefineryApi } from './api-client';
