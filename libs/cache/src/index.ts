export * from './cache.module';
export * from './cache.service';
export * from './redis.service';
export * from './redis.health';
export * from './idempotency.store';
export * from './active-users.service';
