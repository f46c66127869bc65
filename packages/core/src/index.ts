export * from './workflow-safe';
export * from './uri';
export * from './runspec';
export * from './api';
export * from './config';
export * from './dataset';
export * from './training';
export * from './gpu-activities';
