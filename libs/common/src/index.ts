export * from './errors';
export * from './timeout';
