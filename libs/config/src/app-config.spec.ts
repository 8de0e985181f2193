import { AppConfig, ConfigError } from './app-config';
import { DEV_JWT_SECRET } from './config.schema';

const base = { MONGODB_URI: 'mongodb://127.0.0.1:27017/calendar', REDIS_URL: 'redis://127.0.0.1:6390' };

function problem(env: Record<string, string>): string {
  try {
    AppConfig.fromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('AppConfig.fromEnv', () => {
  it('applies the documented defaults', () => {
    const config = AppConfig.fromEnv(base);
    expect(config.port).toBe(3000);
    expect(config.logLevel).toBe('info');
    expect(config.nodeEnv).toBe('development');
    expect(config.jwt.accessTtlSeconds).toBe(900);
    expect(config.healthTimeoutMs).toBeLessThanOrEqual(1000);
    expect(config.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('names the variable and the problem for a bad value, echoing harmless values only', () => {
    expect(problem({ ...base, PORT: 'abc' })).toBe('PORT must be an integer (got "abc")');
    expect(problem({ ...base, PORT: '70000' })).toBe('PORT must be at most 65535 (got "70000")');
    expect(problem({ ...base, LOG_LEVEL: 'loud' })).toMatch(/^LOG_LEVEL must be one of fatal, error/);
    expect(problem({ REDIS_URL: base.REDIS_URL })).toBe('MONGODB_URI is required');
    expect(problem({ ...base, REDIS_URL: 'http://user:hunter2@host' })).toBe(
      'REDIS_URL must be a URL starting with redis:// or rediss://',
    );
  });

  it('reads REDIS_CLUSTER_NODES as host:port seeds and refuses anything else, naming the entry', () => {
    expect(AppConfig.fromEnv(base).redisClusterNodes).toEqual([]);
    expect(
      AppConfig.fromEnv({ ...base, REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.2:7001,[::1]:7002' })
        .redisClusterNodes,
    ).toEqual([
      { host: 'redis-0.redis', port: 6379 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(problem({ ...base, REDIS_CLUSTER_NODES: 'redis-0:6379,redis-1' })).toMatch(
      /^REDIS_CLUSTER_NODES must be comma-separated host:port pairs \("redis-1" is not one\)/,
    );
    expect(problem({ ...base, REDIS_CLUSTER_NODES: 'redis-0:70000' })).toMatch(
      /^REDIS_CLUSTER_NODES must be/,
    );
  });

  it('reads ORG_DOMAINS as lower-case domains and refuses anything that is not one, naming it', () => {
    expect(AppConfig.fromEnv(base).orgDomains).toEqual([]);
    expect(AppConfig.fromEnv(base).calendarRetentionDays).toBe(30);
    expect(AppConfig.fromEnv({ ...base, ORG_DOMAINS: ' Example.com, eu.example.org ' }).orgDomains).toEqual([
      'example.com',
      'eu.example.org',
    ]);
    expect(problem({ ...base, ORG_DOMAINS: 'example.com,@evil' })).toMatch(
      /^ORG_DOMAINS "@evil" is not a domain name such as example\.com/,
    );
  });

  it('takes BACKUP_ENCRYPTION_KEY as 32 bytes of base64 and refuses anything else without echoing it', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(AppConfig.fromEnv({ ...base, BACKUP_ENCRYPTION_KEY: key }).backupEncryptionKey).toEqual(
      Buffer.alloc(32, 7),
    );
    expect(AppConfig.fromEnv(base).backupEncryptionKey).toBeUndefined();
    const short = Buffer.alloc(16, 7).toString('base64');
    for (const bad of [short, 'not base64 at all but long enough to be 44 chars', key.slice(1)])
      expect(problem({ ...base, BACKUP_ENCRYPTION_KEY: bad })).toBe(
        'BACKUP_ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32)',
      );
  });

  it('reads BACKUP_S3_URL as bucket and prefix, refusing anything else (and credentials in it) by name', () => {
    expect(AppConfig.fromEnv(base).backupS3).toBeUndefined();
    expect(AppConfig.fromEnv({ ...base, BACKUP_S3_URL: 's3://my-backups/prod/calendar/' }).backupS3).toEqual({
      url: 's3://my-backups/prod/calendar',
      bucket: 'my-backups',
      prefix: 'prod/calendar',
      region: 'us-east-1',
      endpoint: undefined,
      forcePathStyle: false,
    });
    const compatible = AppConfig.fromEnv({
      ...base,
      BACKUP_S3_URL: 's3://b01',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9000',
      AWS_REGION: 'eu-central-1',
    }).backupS3;
    expect(compatible).toEqual(
      expect.objectContaining({ prefix: '', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }),
    );
    expect(
      AppConfig.fromEnv({
        ...base,
        BACKUP_S3_URL: 's3://b01',
        AWS_ENDPOINT_URL: 'https://s3.example.com',
        BACKUP_S3_FORCE_PATH_STYLE: 'false',
      }).backupS3?.forcePathStyle,
    ).toBe(false);
    for (const bad of ['https://bucket/x', 's3://Bucket/x', 's3://b', 's3://bucket/a//b', 's3://bucket/../x'])
      expect(problem({ ...base, BACKUP_S3_URL: bad })).toMatch(
        /^BACKUP_S3_URL must be s3:\/\/BUCKET\[\/PREFIX\] with a bucket name/,
      );
    const withCredentials = problem({ ...base, BACKUP_S3_URL: 's3://AKIA:hunter2@bucket/x' });
    expect(withCredentials).toMatch(/^BACKUP_S3_URL must be s3:\/\/BUCKET\[\/PREFIX\] without credentials/);
    expect(withCredentials).not.toContain('hunter2');
    expect(problem({ ...base, BACKUP_S3_URL: 's3://b01', AWS_ENDPOINT_URL: 'minio:9000' })).toMatch(
      /^AWS_ENDPOINT_URL must be a URL/,
    );
  });

  it('refuses the default or a short JWT secret outside development, without echoing it', () => {
    expect(problem({ ...base, NODE_ENV: 'production' })).toBe('JWT_SECRET must be set outside development');
    const short = problem({ ...base, NODE_ENV: 'production', JWT_SECRET: 'tooshort-secret' });
    expect(short).toBe('JWT_SECRET must be at least 32 characters');
    expect(short).not.toContain('tooshort');
    const ok = AppConfig.fromEnv({ ...base, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) });
    expect(ok.isProduction).toBe(true);
    expect(AppConfig.fromEnv(base).jwt.secret).toBe(DEV_JWT_SECRET);
  });
});

describe('AppConfig: mail (SMTP_URL, MAIL_FROM)', () => {
  it('sends no mail by default, with a default From', () => {
    const config = AppConfig.fromEnv(base);
    expect(config.mail.smtpUrl).toBeUndefined();
    expect(config.mail.from).toMatch(/<.+@.+>$/);
  });

  it('takes smtp:// and smtps:// URLs and a From as an address or "Name <address>"', () => {
    const url = 'smtps://mailer:secret@smtp.example.com:465';
    expect(AppConfig.fromEnv({ ...base, SMTP_URL: url }).mail.smtpUrl).toBe(url);
    expect(AppConfig.fromEnv({ ...base, MAIL_FROM: 'cal@example.com' }).mail.from).toBe('cal@example.com');
    expect(AppConfig.fromEnv({ ...base, MAIL_FROM: 'Calendar <cal@example.com>' }).mail.from).toBe(
      'Calendar <cal@example.com>',
    );
  });

  it('refuses another scheme without echoing the URL (it may hold a password), and a From that is no address', () => {
    const message = problem({ ...base, SMTP_URL: 'http://mailer:hunter2@smtp.example.com' });
    expect(message).toBe('SMTP_URL must be a URL starting with smtp:// or smtps://');
    expect(message).not.toContain('hunter2');
    expect(problem({ ...base, MAIL_FROM: 'calendar' })).toMatch(
      /^MAIL_FROM must be an email address or "Name <address>"/,
    );
  });
});
