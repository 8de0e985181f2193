export * from './errors';
export * from './timeout';
export * from './client-ip';
export * from './ip-ranges';
