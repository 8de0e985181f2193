export * from './app-config';
export * from './config.module';
export { DEV_JWT_SECRET, EnvSchema, type Env } from './config.schema';
