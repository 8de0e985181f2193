import { version } from '../../../package.json';
import { Env, EnvSchema } from './config.schema';

/** How a process loads its configuration. */
/**
 * How each process names its MongoDB (appName) and Redis (CLIENT SETNAME) connections, so that a
 * server's connection list tells the API's apart: `ops restore` refuses while the API is connected.
 */
export const CLIENT_NAMES = { api: 'calendar-assistant-api', ops: 'calendar-assistant-ops' } as const;
export type ClientName = (typeof CLIENT_NAMES)[keyof typeof CLIENT_NAMES];

export interface ConfigOptions {
  /** The name this process's datastore connections carry (default: the API's). */
  clientName?: ClientName;
  /**
   * False for commands that need no database and no cache (`ops assistant interpret|eval`): they
   * start without MONGODB_URI / REDIS_URL, and a bad value there does not stop them.
   */
  datastores?: boolean;
}

/** Stand-ins for the datastore URLs of a process that has none (`.invalid` never resolves). */
const DATASTORE_PLACEHOLDERS = {
  MONGODB_URI: 'mongodb://no-datastores.invalid/none',
  REDIS_URL: 'redis://no-datastores.invalid',
} as const;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

/**
 * The one validated configuration object. Injected by type (`constructor(config: AppConfig)`);
 * nothing else in the code reads process.env.
 */
export class AppConfig {
  readonly version: string = version;
  readonly nodeEnv: Env['NODE_ENV'];
  readonly host: string;
  readonly port: number;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly mongodbUri: string;
  readonly redisUrl: string;
  /** Redis Cluster seed nodes (REDIS_CLUSTER_NODES); empty for a single Redis at `redisUrl`. */
  readonly redisClusterNodes: { host: string; port: number }[];
  readonly jwt: { secret: string; accessTtlSeconds: number; refreshTtlDays: number };
  readonly corsOrigins: string[];
  readonly rateLimitPerMinute: number;
  /** Per-minute limits of the named throttlers (0 turns one off): auth per IP, API and assistant per user. */
  readonly throttle: { authPerMinute: number; userPerMinute: number; assistantPerMinute: number };
  /** Production only: accept plain-text MongoDB/Redis connections (in-cluster services, local benches). */
  readonly allowInsecureDatastores: boolean;
  readonly trustProxy: boolean;
  readonly healthTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  /** False bypasses the per-user read cache (benchmarks of the database path); writes still invalidate. */
  readonly cacheReads: boolean;
  readonly llm: { apiKey?: string; baseUrl?: string; model: string; timeoutMs: number };
  readonly backupDir: string;
  /** The 32-byte key backups are encrypted with (BACKUP_ENCRYPTION_KEY); unset: not encrypted. */
  readonly backupEncryptionKey?: Buffer;
  /**
   * Where `backup all` copies each verified backup (BACKUP_S3_URL), and how to reach the server;
   * undefined: no off-site copy. Credentials are left to the AWS SDK's default chain.
   */
  readonly backupS3?: {
    url: string;
    bucket: string;
    prefix: string;
    region: string;
    endpoint?: string;
    forcePathStyle: boolean;
  };
  readonly securityWebhookUrl?: string;
  /** Audit events older than this many days are purged by `ops db maintenance`. */
  readonly auditRetentionDays: number;
  /**
   * False when loaded with `{ datastores: false }` (commands that need neither MongoDB nor Redis):
   * `mongodbUri` and `redisUrl` then hold placeholders that must never be connected to.
   */
  readonly datastores: boolean;
  /** The MongoDB appName and Redis client name of this process's connections (CLIENT_NAMES). */
  readonly clientName: ClientName;
  /** Outgoing event webhooks: the first retry waits `retryBaseMs`, each later one twice as long (capped). */
  readonly webhooks: { retryBaseMs: number };
  /** ORG_DOMAINS: accounts in these domains see each other's primary calendar as freeBusyReader. */
  readonly orgDomains: string[];
  /** A deleted calendar's events are purged by `ops db maintenance` this many days after the delete. */
  readonly calendarRetentionDays: number;
  /** Outgoing mail: `smtpUrl` (SMTP_URL, a secret: never log it) unset means no mail is sent. */
  readonly mail: { smtpUrl?: string; from: string };

  constructor(env: Env, options: ConfigOptions = {}) {
    this.datastores = options.datastores !== false;
    this.clientName = options.clientName ?? CLIENT_NAMES.api;
    this.nodeEnv = env.NODE_ENV;
    this.host = env.HOST;
    this.port = env.PORT;
    this.logLevel = env.LOG_LEVEL;
    this.mongodbUri = env.MONGODB_URI;
    this.redisUrl = env.REDIS_URL;
    this.redisClusterNodes = env.REDIS_CLUSTER_NODES;
    this.jwt = {
      secret: env.JWT_SECRET,
      accessTtlSeconds: env.JWT_ACCESS_TTL_SECONDS,
      refreshTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
    };
    this.corsOrigins = env.CORS_ORIGINS;
    this.rateLimitPerMinute = env.RATE_LIMIT_PER_MINUTE;
    this.throttle = {
      authPerMinute: env.RATE_LIMIT_AUTH_PER_MINUTE,
      userPerMinute: env.RATE_LIMIT_USER_PER_MINUTE,
      assistantPerMinute: env.RATE_LIMIT_ASSISTANT_PER_MINUTE,
    };
    this.allowInsecureDatastores = env.ALLOW_INSECURE_DATASTORES;
    this.trustProxy = env.TRUST_PROXY;
    this.healthTimeoutMs = env.HEALTH_TIMEOUT_MS;
    this.shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS;
    this.cacheReads = env.CACHE_READS;
    this.llm = {
      apiKey: env.OPENAI_API_KEY || undefined,
      baseUrl: env.OPENAI_BASE_URL,
      model: env.OPENAI_MODEL,
      timeoutMs: env.LLM_TIMEOUT_MS,
    };
    this.backupDir = env.BACKUP_DIR;
    this.backupEncryptionKey = env.BACKUP_ENCRYPTION_KEY
      ? Buffer.from(env.BACKUP_ENCRYPTION_KEY, 'base64')
      : undefined;
    this.backupS3 = env.BACKUP_S3_URL
      ? {
          ...env.BACKUP_S3_URL,
          region: env.AWS_REGION,
          endpoint: env.AWS_ENDPOINT_URL,
          forcePathStyle: env.BACKUP_S3_FORCE_PATH_STYLE ?? !!env.AWS_ENDPOINT_URL,
        }
      : undefined;
    this.securityWebhookUrl = env.SECURITY_WEBHOOK_URL;
    this.auditRetentionDays = env.AUDIT_RETENTION_DAYS;
    this.webhooks = { retryBaseMs: env.WEBHOOK_RETRY_BASE_MS };
    this.orgDomains = env.ORG_DOMAINS;
    this.calendarRetentionDays = env.CALENDAR_RETENTION_DAYS;
    this.mail = { smtpUrl: env.SMTP_URL || undefined, from: env.MAIL_FROM };
  }

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }

  /**
   * Parses and validates the environment; throws ConfigError naming the first bad variable. With
   * `{ datastores: false }`, MONGODB_URI and REDIS_URL are neither required nor read.
   */
  static fromEnv(env: NodeJS.ProcessEnv, options: ConfigOptions = {}): AppConfig {
    const source = options.datastores === false ? { ...env, ...DATASTORE_PLACEHOLDERS } : env;
    const parsed = EnvSchema.safeParse(source);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const variable = String(issue.path[0] ?? 'configuration');
      const given = env[variable];
      const problem =
        given === undefined && issue.code === 'invalid_type'
          ? 'is required'
          : `${issue.message}${given !== undefined && !/SECRET|KEY|URI|URL/.test(variable) ? ` (got "${given}")` : ''}`;
      throw new ConfigError(variable, problem);
    }
    return new AppConfig(parsed.data, options);
  }
}

/**
 * Builds the configuration at process start; on a bad value prints one line naming the variable
 * and exits with status 2 (a usage/configuration error), never a stack trace.
 */
export function loadConfigOrExit(
  env: NodeJS.ProcessEnv = process.env,
  options: ConfigOptions = {},
): AppConfig {
  try {
    return AppConfig.fromEnv(env, options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
