export * from './object-store';
export * from './local-store';
export * from './s3-store';
export * from './sources';
export * from './from-url';
export * from './lines';
export * from './directories';
export * from './directory-tar';
