export * from './status';
export * from './uri';
export * from './runspec';
export * from './ingest-report';
export * from './api';
export * from './config';
export * from './dataset';
