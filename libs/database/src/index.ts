export * from './database.module';
export * from './connection-options';
export * from './mongo.health';
export * from './database-unavailable';
export * from './fail-fast.plugin';
export * from './owned-by-id';
export * from './diagnostics/db-diagnostics.service';
export * from './diagnostics/explain-plan';
