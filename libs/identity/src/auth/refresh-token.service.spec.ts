import { AppConfig } from '@app/config';
import { RefreshTokenRepository } from './refresh-token.repository';
import { RefreshTokenRecord } from './refresh-token.schema';
import { hashRefreshToken, RefreshTokenService } from './refresh-token.service';

const ALICE = '665f1c2b8f1e4a0012345678';
const BOB = '665f1c2b8f1e4a0087654321';
const DAY_MS = 86_400_000;

type Stored = RefreshTokenRecord & { tokenHash: string };

/**
 * An in-memory refresh_tokens with the repository's semantics: `claim` is atomic (it runs without
 * awaiting between its check and its write), and every call yields to the event loop first so that
 * concurrent rotations really interleave.
 */
class FakeRefreshTokenRepository implements Pick<RefreshTokenRepository, keyof RefreshTokenRepository> {
  readonly rows: Stored[] = [];

  async insert(
    userId: string,
    token: { familyId: string; tokenHash: string; expiresAt: Date },
  ): Promise<void> {
    await tick();
    if (this.rows.some((r) => r.tokenHash === token.tokenHash)) throw new Error('duplicate tokenHash');
    this.rows.push({ ...token, userId, usedAt: null, revokedAt: null });
  }

  async claim(tokenHash: string, now: Date): Promise<RefreshTokenRecord | null> {
    await tick();
    const row = this.rows.find((r) => r.tokenHash === tokenHash && !r.usedAt && !r.revokedAt);
    if (!row) return null;
    row.usedAt = now;
    return strip(row);
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
    await tick();
    const row = this.rows.find((r) => r.tokenHash === tokenHash);
    return row ? strip(row) : null;
  }

  async revokeFamily(userId: string, familyId: string, now: Date): Promise<number> {
    await tick();
    const rows = this.rows.filter((r) => r.userId === userId && r.familyId === familyId && !r.revokedAt);
    for (const row of rows) row.revokedAt = now;
    return rows.length;
  }

  async revokeAllOfUser(userId: string, now: Date): Promise<number> {
    await tick();
    const rows = this.rows.filter((r) => r.userId === userId && !r.revokedAt);
    for (const row of rows) row.revokedAt = now;
    return rows.length;
  }

  byToken(token: string): Stored | undefined {
    return this.rows.find((r) => r.tokenHash === hashRefreshToken(token));
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const strip = ({ tokenHash: _h, ...record }: Stored): RefreshTokenRecord => ({ ...record });

function setup() {
  const repo = new FakeRefreshTokenRepository();
  const config = AppConfig.fromEnv({
    MONGODB_URI: 'mongodb://127.0.0.1:27017/unit',
    REDIS_URL: 'redis://127.0.0.1:6379',
    REFRESH_TOKEN_TTL_DAYS: '30',
  });
  return { repo, service: new RefreshTokenService(repo as unknown as RefreshTokenRepository, config) };
}

describe('RefreshTokenService', () => {
  it('issues a 32-byte base64url token, storing only its SHA-256 and a 30-day expiry', async () => {
    const { repo, service } = setup();
    const before = Date.now();
    const issued = await service.issue(ALICE);
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(issued.token, 'base64url')).toHaveLength(32);
    expect(repo.rows).toHaveLength(1);
    const row = repo.rows[0];
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(issued.token);
    expect(row.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(row.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);
    expect(issued.expiresAt).toEqual(row.expiresAt);
  });

  it('rotates a token into a new one of the same family and marks the old one used', async () => {
    const { repo, service } = setup();
    const first = await service.issue(ALICE);
    const rotation = await service.rotate(first.token);
    if (!rotation.ok) throw new Error(`rotation failed: ${rotation.reason}`);
    expect(rotation.userId).toBe(ALICE);
    expect(rotation.refreshToken.token).not.toBe(first.token);
    expect(repo.byToken(first.token)?.usedAt).toBeInstanceOf(Date);
    expect(repo.byToken(rotation.refreshToken.token)).toMatchObject({
      familyId: repo.byToken(first.token)?.familyId,
      userId: ALICE,
      usedAt: null,
      revokedAt: null,
    });
    // The new token rotates in turn.
    expect((await service.rotate(rotation.refreshToken.token)).ok).toBe(true);
  });

  it('treats a second use as theft: 401 reason refresh_reused and the whole family revoked', async () => {
    const { repo, service } = setup();
    const first = await service.issue(ALICE);
    const otherSession = await service.issue(ALICE);
    const bobs = await service.issue(BOB);
    const rotation = await service.rotate(first.token);
    if (!rotation.ok) throw new Error('rotation failed');

    expect(await service.rotate(first.token)).toEqual({ ok: false, reason: 'refresh_reused', userId: ALICE });
    expect(repo.byToken(rotation.refreshToken.token)?.revokedAt).toBeInstanceOf(Date);
    // The replacement was never used, only revoked with its family.
    expect(await service.rotate(rotation.refreshToken.token)).toEqual({
      ok: false,
      reason: 'refresh_invalid',
      userId: ALICE,
    });
    // Other families, of the same user or another, are untouched.
    expect(repo.byToken(otherSession.token)?.revokedAt).toBeNull();
    expect(repo.byToken(bobs.token)?.revokedAt).toBeNull();
    expect((await service.rotate(otherSession.token)).ok).toBe(true);
  });

  it('lets exactly one of two concurrent rotations win, and leaves no usable token in the family', async () => {
    const { repo, service } = setup();
    const first = await service.issue(ALICE);
    const results = await Promise.all([service.rotate(first.token), service.rotate(first.token)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'refresh_reused', userId: ALICE }]);
    const familyId = repo.byToken(first.token)?.familyId;
    const live = repo.rows.filter((r) => r.familyId === familyId && !r.revokedAt && !r.usedAt);
    expect(live).toEqual([]);
  });

  it('revokes the replacement when the reuse is detected after the claim but before the replacement exists', async () => {
    const { repo, service } = setup();
    const first = await service.issue(ALICE);
    const insert = repo.insert.bind(repo);
    let replay: Awaited<ReturnType<RefreshTokenService['rotate']>> | undefined;
    // The stolen copy is presented, and the family revoked, while the winner is still issuing its token.
    jest.spyOn(repo, 'insert').mockImplementationOnce(async (userId, token) => {
      replay = await service.rotate(first.token);
      await insert(userId, token);
    });

    const winner = await service.rotate(first.token);
    expect(replay).toEqual({ ok: false, reason: 'refresh_reused', userId: ALICE });
    expect(winner).toEqual({ ok: false, reason: 'refresh_reused', userId: ALICE });
    expect(repo.rows).toHaveLength(2);
    expect(repo.rows.every((r) => r.revokedAt instanceof Date)).toBe(true);
  });

  it('refuses an expired token as refresh_expired and issues nothing', async () => {
    const { repo, service } = setup();
    const issued = await service.issue(ALICE);
    repo.byToken(issued.token)!.expiresAt = new Date(Date.now() - 1);
    expect(await service.rotate(issued.token)).toEqual({
      ok: false,
      reason: 'refresh_expired',
      userId: ALICE,
    });
    expect(repo.rows).toHaveLength(1);
  });

  it('refuses an unknown or malformed token as refresh_invalid, a malformed one without a lookup', async () => {
    const { repo, service } = setup();
    const unknown = Buffer.alloc(32, 7).toString('base64url');
    expect(await service.rotate(unknown)).toEqual({ ok: false, reason: 'refresh_invalid' });
    const calls = jest.spyOn(repo, 'claim');
    for (const malformed of ['', 'short', `${unknown}=`, 'x'.repeat(43).replace(/^x/, '+')]) {
      expect(await service.rotate(malformed)).toEqual({ ok: false, reason: 'refresh_invalid' });
    }
    expect(calls).not.toHaveBeenCalled();
  });

  it('ends every session of the user on logout: each family revoked, other users untouched', async () => {
    const { repo, service } = setup();
    const first = await service.issue(ALICE);
    const rotation = await service.rotate(first.token);
    if (!rotation.ok) throw new Error('rotation failed');
    const otherDevice = await service.issue(ALICE);
    const bobs = await service.issue(BOB);
    expect(await service.ownerOf(rotation.refreshToken.token)).toBe(ALICE);
    expect(await service.ownerOf(first.token)).toBe(ALICE); // used tokens still name their owner
    expect(await service.ownerOf('not-a-token')).toBeNull();
    expect(await service.isLive(otherDevice.token)).toBe(true);
    expect(await service.isLive(first.token)).toBe(false); // used

    await service.revokeAll(ALICE);
    expect(repo.rows.filter((r) => r.userId === ALICE).every((r) => r.revokedAt instanceof Date)).toBe(true);
    for (const token of [rotation.refreshToken.token, otherDevice.token]) {
      expect(await service.isLive(token)).toBe(false);
      expect(await service.rotate(token)).toEqual({ ok: false, reason: 'refresh_invalid', userId: ALICE });
    }
    expect(await service.isLive(bobs.token)).toBe(true);
    expect((await service.rotate(bobs.token)).ok).toBe(true);
  });
});
