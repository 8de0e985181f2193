import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { createSigner, createVerifier, TOKEN_ERROR_CODES } from 'fast-jwt';
import { randomUUID } from 'node:crypto';

export type AccessTokenCheck =
  | { ok: true; userId: string; sessionEpoch: number }
  | { ok: false; reason: 'invalid_token' | 'expired_token' };

/** Who issues access tokens, and the one audience they are good for: this API. */
export const ACCESS_TOKEN_ISSUER = 'calendar-assistant';
export const ACCESS_TOKEN_AUDIENCE = 'calendar-assistant-api';

const OBJECT_ID = /^[0-9a-f]{24}$/;

/**
 * Short-lived access tokens: HS256 JWTs with `sub` (user id), `iss`, `aud`, `iat`, `exp`, `jti`,
 * `typ: 'access'` and `sep`, the user's session epoch when it was issued (a logout or a password
 * change moves the epoch on, which ends every token issued before). Signer and verifier are built
 * once; the verifier accepts HS256 only, so `alg: none` and every other algorithm are refused, and
 * it requires this issuer and audience.
 */
@Injectable()
export class AccessTokenService {
  readonly ttlSeconds: number;
  private readonly signer: (payload: Record<string, unknown>) => string;
  private readonly verifier: (token: string) => Record<string, unknown>;

  constructor(config: AppConfig) {
    this.ttlSeconds = config.jwt.accessTtlSeconds;
    this.signer = createSigner({
      key: config.jwt.secret,
      algorithm: 'HS256',
      expiresIn: this.ttlSeconds * 1000,
      iss: ACCESS_TOKEN_ISSUER,
      aud: ACCESS_TOKEN_AUDIENCE,
    });
    this.verifier = createVerifier({
      key: config.jwt.secret,
      algorithms: ['HS256'],
      allowedIss: ACCESS_TOKEN_ISSUER,
      allowedAud: ACCESS_TOKEN_AUDIENCE,
      requiredClaims: ['sub', 'iss', 'aud', 'iat', 'exp', 'typ'],
    });
  }

  sign(userId: string, sessionEpoch: number): string {
    return this.signer({ sub: userId, typ: 'access', sep: sessionEpoch, jti: randomUUID() });
  }

  verify(token: string): AccessTokenCheck {
    let claims: Record<string, unknown>;
    try {
      claims = this.verifier(token);
    } catch (err) {
      const expired = (err as { code?: string }).code === TOKEN_ERROR_CODES.expired;
      return { ok: false, reason: expired ? 'expired_token' : 'invalid_token' };
    }
    if (claims.typ !== 'access' || typeof claims.sub !== 'string' || !OBJECT_ID.test(claims.sub)) {
      return { ok: false, reason: 'invalid_token' };
    }
    // Tokens from before session epochs existed carry none: epoch 0, the epoch of an untouched account.
    const sessionEpoch = claims.sep ?? 0;
    if (!Number.isSafeInteger(sessionEpoch) || (sessionEpoch as number) < 0) {
      return { ok: false, reason: 'invalid_token' };
    }
    return { ok: true, userId: claims.sub, sessionEpoch: sessionEpoch as number };
  }
}
