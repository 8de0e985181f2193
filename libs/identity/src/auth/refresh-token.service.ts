import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { RefreshTokenRepository } from './refresh-token.repository';

export type RefreshFailureReason = 'refresh_invalid' | 'refresh_expired' | 'refresh_reused';

export interface IssuedRefreshToken {
  /** The opaque token, handed to the client once and never stored. */
  token: string;
  expiresAt: Date;
}

export type RefreshRotation =
  | { ok: true; userId: string; refreshToken: IssuedRefreshToken }
  | { ok: false; reason: RefreshFailureReason; userId?: string };

/** 32 random bytes, base64url without padding. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const DAY_MS = 86_400_000;

/** What the database keeps instead of the token. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Rotating refresh tokens. Each token is single-use: a refresh claims it atomically and issues the
 * next token of the same family. Presenting a token that was already used means it was copied —
 * the whole family is revoked, so neither the thief nor the victim can go on refreshing.
 */
@Injectable()
export class RefreshTokenService {
  private readonly ttlMs: number;

  constructor(
    private readonly tokens: RefreshTokenRepository,
    config: AppConfig,
  ) {
    this.ttlMs = config.jwt.refreshTtlDays * DAY_MS;
  }

  /** A new token; a new family unless `familyId` continues one. */
  async issue(userId: string, familyId: string = randomUUID()): Promise<IssuedRefreshToken> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.ttlMs);
    await this.tokens.insert(userId, { familyId, tokenHash: hashRefreshToken(token), expiresAt });
    return { token, expiresAt };
  }

  /** Uses `token` once: the next token of its family, or why not. */
  async rotate(token: string): Promise<RefreshRotation> {
    if (!TOKEN_SHAPE.test(token)) return { ok: false, reason: 'refresh_invalid' };
    const tokenHash = hashRefreshToken(token);
    const now = new Date();
    const claimed = await this.tokens.claim(tokenHash, now);
    if (!claimed) {
      const existing = await this.tokens.findByHash(tokenHash);
      if (!existing) return { ok: false, reason: 'refresh_invalid' };
      if (existing.usedAt) {
        await this.tokens.revokeFamily(existing.userId, existing.familyId, now);
        return { ok: false, reason: 'refresh_reused', userId: existing.userId };
      }
      return { ok: false, reason: 'refresh_invalid', userId: existing.userId }; // revoked (logout)
    }
    if (claimed.expiresAt.getTime() <= now.getTime()) {
      return { ok: false, reason: 'refresh_expired', userId: claimed.userId };
    }
    const next = await this.issue(claimed.userId, claimed.familyId);
    // A reuse detected meanwhile may have revoked the family before `next` existed: re-check.
    const after = await this.tokens.findByHash(tokenHash);
    if (after?.revokedAt) {
      await this.tokens.revokeFamily(claimed.userId, claimed.familyId, new Date());
      return { ok: false, reason: 'refresh_reused', userId: claimed.userId };
    }
    return { ok: true, userId: claimed.userId, refreshToken: next };
  }

  /** The owner of a token we issued (used, revoked or expired alike); null for an unknown token. */
  async ownerOf(token: string): Promise<string | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    return (await this.tokens.findByHash(hashRefreshToken(token)))?.userId ?? null;
  }

  /** Whether a token is still usable: issued by us, neither used nor revoked, not expired. */
  async isLive(token: string): Promise<boolean> {
    if (!TOKEN_SHAPE.test(token)) return false;
    const record = await this.tokens.findByHash(hashRefreshToken(token));
    return !!record && !record.usedAt && !record.revokedAt && record.expiresAt.getTime() > Date.now();
  }

  /** Revokes every token of every family of the user (logout, password change). */
  async revokeAll(userId: string): Promise<void> {
    await this.tokens.revokeAllOfUser(userId, new Date());
  }
}
