import { AppConfig, ConfigError } from '@app/config';
import { mongoTransport, redisTransport } from '../config-audit/config-audit';
import { assessSecret } from '../config-audit/secret-strength';

/**
 * What the API refuses to start with in production (NODE_ENV=production), as a ConfigError naming
 * the variable: a weak JWT secret (the `ops check security` bar: 32+ characters, ~80+ bits, no
 * pattern), MongoDB without TLS (`tls=true`/`ssl=true` or mongodb+srv://) and Redis without TLS
 * (rediss://). ALLOW_INSECURE_DATASTORES=true accepts plain-text datastores (in-cluster services, a
 * local benchmark) but never a weak secret. `ops check security` still audits any configuration;
 * only serving traffic is refused. The messages never contain the secret or the URIs.
 */
export function assertProductionReady(config: AppConfig): void {
  if (!config.isProduction) return;
  const secret = assessSecret(config.jwt.secret);
  if (secret.problems.length)
    throw new ConfigError(
      'JWT_SECRET',
      `is weak in production: it ${secret.problems.join('; ')} (generate one with openssl rand -base64 32)`,
    );
  if (config.allowInsecureDatastores || !config.datastores) return;
  if (!mongoTransport(config.mongodbUri).tls)
    throw new ConfigError(
      'MONGODB_URI',
      'must use TLS in production: add tls=true or use mongodb+srv:// (or set ALLOW_INSECURE_DATASTORES=true for an in-cluster MongoDB)',
    );
  if (!redisTransport(config.redisUrl).tls)
    throw new ConfigError(
      'REDIS_URL',
      'must use TLS in production: use a rediss:// URL (or set ALLOW_INSECURE_DATASTORES=true for an in-cluster Redis)',
    );
}
