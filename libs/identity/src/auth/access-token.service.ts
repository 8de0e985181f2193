import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { createSigner, createVerifier, TOKEN_ERROR_CODES } from 'fast-jwt';
import { randomUUID } from 'node:crypto';

export type AccessTokenCheck =
  { ok: true; userId: string } | { ok: false; reason: 'invalid_token' | 'expired_token' };

const OBJECT_ID = /^[0-9a-f]{24}$/;

/**
 * Short-lived access tokens: HS256 JWTs with `sub` (user id), `iat`, `exp`, `jti` and
 * `typ: 'access'`. Signer and verifier are built once; the verifier accepts HS256 only, so
 * `alg: none` and every other algorithm are refused.
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
    });
    this.verifier = createVerifier({
      key: config.jwt.secret,
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'iat', 'exp', 'typ'],
    });
  }

  sign(userId: string): string {
    return this.signer({ sub: userId, typ: 'access', jti: randomUUID() });
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
    return { ok: true, userId: claims.sub };
  }
}
