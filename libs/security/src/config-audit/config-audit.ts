import { AppConfig, DEV_JWT_SECRET } from '@app/config';
import { redactUri, redactUrlPath } from '../redact';
import { assessSecret } from './secret-strength';

export type FindingStatus = 'ok' | 'info' | 'warn' | 'fail';

export interface SecurityFinding {
  check: string;
  status: FindingStatus;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * The configuration audit of `ops check security` — no secret ever appears in a finding. Production
 * rules are strict (fail); outside production the same gaps are warnings or information, since the
 * embedded development services have no TLS or passwords.
 */
export function auditConfig(config: AppConfig): SecurityFinding[] {
  const prod = config.isProduction;
  const findings: SecurityFinding[] = [];

  const secret = assessSecret(config.jwt.secret);
  const devDefault = config.jwt.secret === DEV_JWT_SECRET;
  findings.push({
    check: 'jwt_secret',
    status:
      secret.problems.length === 0
        ? 'ok'
        : devDefault && config.nodeEnv === 'development'
          ? 'info'
          : prod
            ? 'fail'
            : 'warn',
    message:
      secret.problems.length === 0
        ? `JWT secret: ${secret.length} characters, about ${secret.estimatedEntropyBits} bits`
        : `JWT secret is weak: it ${secret.problems.join('; ')}`,
    details: {
      length: secret.length,
      distinctCharacters: secret.distinctCharacters,
      estimatedEntropyBits: secret.estimatedEntropyBits,
    },
  });

  const mongo = mongoTransport(config.mongodbUri);
  findings.push(
    transportFinding(
      'mongodb_tls',
      'MongoDB TLS',
      mongo.tls,
      prod,
      redactUri(config.mongodbUri),
      'add tls=true or use mongodb+srv://',
    ),
    transportFinding(
      'mongodb_auth',
      'MongoDB credentials',
      mongo.auth,
      prod,
      redactUri(config.mongodbUri),
      'give the URI a user and password (or X.509/AWS auth)',
    ),
  );
  const redis = redisTransport(config.redisUrl);
  findings.push(
    transportFinding(
      'redis_tls',
      'Redis TLS',
      redis.tls,
      prod,
      redactUri(config.redisUrl),
      'use a rediss:// URL',
    ),
    transportFinding(
      'redis_auth',
      'Redis credentials',
      redis.auth,
      prod,
      redactUri(config.redisUrl),
      'put a password (or user and password) in the URL',
    ),
  );

  const origins = config.corsOrigins;
  const wildcard = origins.filter((o) => o === '*' || o === 'null' || o.includes('*'));
  const plainHttp = origins.filter(
    (o) => /^http:\/\//.test(o) && !/^http:\/\/(localhost|127\.0\.0\.1)(:|$)/.test(o),
  );
  findings.push(
    wildcard.length
      ? {
          check: 'cors',
          status: prod ? 'fail' : 'warn',
          message: `CORS allows any origin (${wildcard.join(', ')})`,
          details: { origins },
        }
      : origins.length === 0
        ? {
            check: 'cors',
            status: 'ok',
            message: 'CORS is off: no browser origin may call the API',
            details: { origins },
          }
        : plainHttp.length && prod
          ? {
              check: 'cors',
              status: 'warn',
              message: `CORS allows plain-http origins: ${plainHttp.join(', ')}`,
              details: { origins },
            }
          : {
              check: 'cors',
              status: 'ok',
              message: `CORS allows ${origins.length} origin(s)`,
              details: { origins },
            },
  );

  findings.push(
    config.rateLimitPerMinute > 0
      ? {
          check: 'rate_limit',
          status: 'ok',
          message: `rate limit: ${config.rateLimitPerMinute} requests per minute per client`,
          details: { perMinute: config.rateLimitPerMinute },
        }
      : {
          check: 'rate_limit',
          status: prod ? 'fail' : 'warn',
          message: 'rate limiting is off (RATE_LIMIT_PER_MINUTE=0)',
          details: { perMinute: 0 },
        },
  );

  findings.push(
    config.trustProxy
      ? {
          check: 'trust_proxy',
          status: 'ok',
          message:
            'TRUST_PROXY is on: client addresses come from X-Forwarded-For (the ingress must overwrite it)',
        }
      : {
          check: 'trust_proxy',
          status: prod ? 'warn' : 'info',
          message:
            'TRUST_PROXY is off: behind an ingress every client has the ingress address, so rate limits and the deny list act on the ingress',
        },
  );

  const webhook = config.securityWebhookUrl;
  findings.push(
    !webhook
      ? {
          check: 'security_webhook',
          status: prod ? 'warn' : 'info',
          message: 'SECURITY_WEBHOOK_URL is not set: `ops security notify` cannot alert',
        }
      : webhook.startsWith('http://') && prod
        ? {
            check: 'security_webhook',
            status: 'warn',
            message: `security webhook is plain http (${redactUrlPath(webhook)})`,
          }
        : { check: 'security_webhook', status: 'ok', message: `security webhook: ${redactUrlPath(webhook)}` },
  );
  return findings;
}

function transportFinding(
  check: string,
  what: string,
  ok: boolean,
  prod: boolean,
  redacted: string,
  fix: string,
): SecurityFinding {
  if (ok) return { check, status: 'ok', message: `${what}: on`, details: { uri: redacted } };
  return {
    check,
    status: prod ? 'fail' : 'info',
    message: prod ? `${what}: off — ${fix}` : `${what}: off (needed in production: ${fix})`,
    details: { uri: redacted },
  };
}

/** TLS and authentication as a MongoDB URI states them (mongodb+srv:// turns TLS on by default). */
export function mongoTransport(uri: string): { tls: boolean; auth: boolean } {
  const query = new URLSearchParams(uri.includes('?') ? uri.slice(uri.indexOf('?') + 1) : '');
  const flag = (name: string) =>
    [...query.entries()].find(([k]) => k.toLowerCase() === name)?.[1]?.toLowerCase();
  const srv = uri.startsWith('mongodb+srv://');
  const tlsFlag = flag('tls') ?? flag('ssl');
  const tls = tlsFlag === undefined ? srv : tlsFlag === 'true';
  const userinfo = /^mongodb(?:\+srv)?:\/\/([^@/]+)@/.exec(uri)?.[1];
  const mechanism = flag('authmechanism')?.toUpperCase();
  const auth =
    Boolean(userinfo && userinfo.split(':')[0]) ||
    ['MONGODB-X509', 'MONGODB-AWS', 'MONGODB-OIDC'].includes(mechanism ?? '');
  return { tls, auth };
}

/** TLS (rediss://) and a password in a Redis URL. */
export function redisTransport(url: string): { tls: boolean; auth: boolean } {
  try {
    const u = new URL(url);
    return { tls: u.protocol === 'rediss:', auth: u.password !== '' };
  } catch {
    return { tls: false, auth: false };
  }
}
