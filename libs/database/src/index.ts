export * from './database.module';
export * from './mongo.health';
