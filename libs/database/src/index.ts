export * from './database.module';
export * from './mongo.health';
export * from './database-unavailable';
export * from './fail-fast.plugin';
export * from './owned-by-id';
