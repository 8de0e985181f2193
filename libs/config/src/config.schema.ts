import { z } from 'zod';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The development-only JWT secret; refused outside development. */
export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-change-me-0000';

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be an integer` })
    .int(`must be an integer`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`,
    );

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => ['true', '1', 'yes'].includes(v));

/** Environment variables → typed configuration. Every key is documented in the README's table. */
export const EnvSchema = z
  .object({
    NODE_ENV: z.enum(NODE_ENVS, { error: `must be one of ${NODE_ENVS.join(', ')}` }).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: int(1, 65535).default(3000),
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    MONGODB_URI: url(['mongodb:', 'mongodb+srv:']),
    REDIS_URL: url(['redis:', 'rediss:']),
    REDIS_CLUSTER_NODES: z
      .string()
      .default('')
      .transform((v, ctx) => {
        const nodes = [];
        for (const entry of v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          const m = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/.exec(entry);
          const port = Number(m?.[2]);
          if (!m || port < 1 || port > 65535) {
            ctx.addIssue({
              code: 'custom',
              message: `must be comma-separated host:port pairs ("${entry}" is not one)`,
            });
            return z.NEVER;
          }
          nodes.push({ host: m[1].replace(/^\[|\]$/g, ''), port });
        }
        return nodes;
      }),
    JWT_SECRET: z.string().default(DEV_JWT_SECRET),
    JWT_ACCESS_TTL_SECONDS: int(60, 86_400).default(900),
    REFRESH_TOKEN_TTL_DAYS: int(1, 365).default(30),
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    RATE_LIMIT_PER_MINUTE: int(0, 1_000_000).default(600),
    RATE_LIMIT_AUTH_PER_MINUTE: int(0, 1_000_000).default(10),
    RATE_LIMIT_USER_PER_MINUTE: int(0, 1_000_000).default(300),
    RATE_LIMIT_ASSISTANT_PER_MINUTE: int(0, 1_000_000).default(30),
    ALLOW_INSECURE_DATASTORES: bool.default(false),
    TRUST_PROXY: bool.default(false),
    HEALTH_TIMEOUT_MS: int(50, 1000).default(800),
    SHUTDOWN_TIMEOUT_MS: int(1000, 120_000).default(10_000),
    CACHE_READS: bool.default(true),
    OPENAI_API_KEY: z.string().optional(),
    OPENAI_BASE_URL: url(['http:', 'https:']).optional(),
    OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
    LLM_TIMEOUT_MS: int(100, 120_000).default(8000),
    BACKUP_DIR: z.string().min(1).default('.data/backups'),
    /** 32 random bytes, base64 (`openssl rand -base64 32`): encrypts every backup data file. */
    BACKUP_ENCRYPTION_KEY: z
      .string()
      .trim()
      .refine(
        (v) => /^[A-Za-z0-9+/]{43}=$/.test(v) && Buffer.from(v, 'base64').length === 32,
        'must be 32 bytes in base64 (openssl rand -base64 32)',
      )
      .optional(),
    /**
     * Off-site copy of every backup: s3://BUCKET[/PREFIX]. Credentials come from the standard AWS
     * variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, web identity), never here.
     */
    BACKUP_S3_URL: z
      .string()
      .trim()
      .transform((v, ctx) => {
        const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(v);
        const prefix = (m?.[2] ?? '').replace(/\/+$/, '');
        const badSegment =
          prefix !== '' && prefix.split('/').some((seg) => seg === '' || seg === '.' || seg === '..');
        if (!m || badSegment) {
          ctx.addIssue({
            code: 'custom',
            message: v.includes('@')
              ? 'must be s3://BUCKET[/PREFIX] without credentials (they come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)'
              : 'must be s3://BUCKET[/PREFIX] with a bucket name of 3-63 lower-case letters, digits, dots and hyphens',
          });
          return z.NEVER;
        }
        return { url: `s3://${m[1]}${prefix ? '/' + prefix : ''}`, bucket: m[1], prefix };
      })
      .optional(),
    /** An S3-compatible server (MinIO, Ceph, …) instead of AWS; the SDK also reads it. */
    AWS_ENDPOINT_URL: url(['http:', 'https:']).optional(),
    /** The bucket's region; S3-compatible servers usually accept any. */
    AWS_REGION: z.string().trim().min(1).default('us-east-1'),
    /** Address buckets as https://host/BUCKET instead of https://BUCKET.host (default: true with AWS_ENDPOINT_URL). */
    BACKUP_S3_FORCE_PATH_STYLE: bool.optional(),
    SECURITY_WEBHOOK_URL: url(['http:', 'https:']).optional(),
    AUDIT_RETENTION_DAYS: int(1, 3650).default(365),
    WEBHOOK_RETRY_BASE_MS: int(10, 3_600_000).default(10_000),
    /** Email domains of one organisation: their accounts see each other's primary calendar as free/busy. */
    ORG_DOMAINS: z
      .string()
      .default('')
      .transform((v, ctx) => {
        const domains = v
          .split(',')
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean);
        for (const d of domains)
          if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d)) {
            ctx.addIssue({ code: 'custom', message: `"${d}" is not a domain name such as example.com` });
            return z.NEVER;
          }
        return domains;
      }),
    /** Days a deleted calendar's events are kept before `ops db maintenance` purges them. */
    CALENDAR_RETENTION_DAYS: int(0, 3650).default(30),
    /**
     * Outgoing mail (meeting invitations, email reminders): smtp://[user:pass@]host[:port] (STARTTLS
     * when offered) or smtps:// (TLS from the start). A secret (it may hold credentials): never
     * echoed or logged. Unset: no mail is sent and write responses say `invitationsSent: false`.
     */
    SMTP_URL: url(['smtp:', 'smtps:']).optional(),
    /** The From of every mail: an address, or `Name <address>`. */
    MAIL_FROM: z
      .string()
      .trim()
      .refine(
        (v) => /^(?:[^<>@\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/.test(v),
        'must be an email address or "Name <address>"',
      )
      .default('Calendar Assistant <calendar-assistant@localhost>'),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== 'development' && env.NODE_ENV !== 'test') {
      if (env.JWT_SECRET === DEV_JWT_SECRET) {
        ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'must be set outside development' });
      } else if (env.JWT_SECRET.length < 32) {
        ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'must be at least 32 characters' });
      }
    }
  });

export type Env = z.output<typeof EnvSchema>;
