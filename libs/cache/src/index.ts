export * from './cache.module';
export * from './cache.service';
export * from './redis.service';
export * from './redis.health';
