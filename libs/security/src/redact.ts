import { AppConfig } from '@app/config';

export const REDACTED = '[redacted]';

/**
 * A connection URI without its password (`mongodb://app:[redacted]@host/db`), and without
 * credential-bearing query parameters. Works for multi-host MongoDB URIs, which URL() cannot parse.
 */
export function redactUri(uri: string): string {
  return uri
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)([^:@/]*):([^@/]*)@/i, `$1$2:${REDACTED}@`)
    .replace(
      /([?&](?:password|authMechanismProperties|tlsCertificateKeyFilePassword)=)[^&]*/gi,
      `$1${REDACTED}`,
    );
}

/** Only the origin of a URL whose path may carry a token (Slack webhook URLs do). */
export function redactUrlPath(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : '/' + REDACTED}`;
  } catch {
    return REDACTED;
  }
}

/** The configuration with every secret replaced by a marker: safe to print, log or archive. */
export function redactedConfig(config: AppConfig): Record<string, unknown> {
  return {
    version: config.version,
    nodeEnv: config.nodeEnv,
    host: config.host,
    port: config.port,
    logLevel: config.logLevel,
    mongodbUri: redactUri(config.mongodbUri),
    redisUrl: redactUri(config.redisUrl),
    jwt: {
      secret: REDACTED,
      accessTtlSeconds: config.jwt.accessTtlSeconds,
      refreshTtlDays: config.jwt.refreshTtlDays,
    },
    corsOrigins: config.corsOrigins,
    rateLimitPerMinute: config.rateLimitPerMinute,
    trustProxy: config.trustProxy,
    healthTimeoutMs: config.healthTimeoutMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    llm: {
      apiKey: config.llm.apiKey ? REDACTED : null,
      baseUrl: config.llm.baseUrl ?? null,
      model: config.llm.model,
      timeoutMs: config.llm.timeoutMs,
    },
    backupDir: config.backupDir,
    securityWebhookUrl: config.securityWebhookUrl ? redactUrlPath(config.securityWebhookUrl) : null,
  };
}
