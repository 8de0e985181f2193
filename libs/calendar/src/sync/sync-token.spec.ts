import { GoneError, ValidationError } from '@app/common';
import {
  ChangeRef,
  markOf,
  planSync,
  SYNC_MAX_MARKS,
  SYNC_SETTLE_MS,
  SYNC_TOKEN_MAX_AGE_MS,
  SyncTokenCodec,
  withUnlistedMarks,
} from './sync-token';

const id = (n: number) => n.toString(16).padStart(24, '0');
const change = (n: number, t: number, version = 1): ChangeRef => ({ id: id(n), version, t });

/** A fake events collection: what a query at `readTime` sees from position `t`. */
function sync(
  all: ChangeRef[],
  prev: { t: number; r: string[]; f: boolean },
  limit: number,
  readTime: number,
) {
  const fetched = all
    .filter((c) => c.t >= prev.t)
    .sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : 1))
    .slice(0, limit + prev.r.length + 1);
  return planSync(prev, fetched, limit, readTime);
}

describe('planSync', () => {
  const NOW = 1_800_000_000_000;
  const start = { t: 0, r: [] as string[], f: false };

  it('does not miss the second of two writes in the same millisecond across pages', () => {
    const all = [change(1, NOW - 60_000), change(2, NOW - 60_000), change(3, NOW - 60_000)];
    const first = sync(all, start, 2, NOW);
    expect(first.deliver.map((c) => c.id)).toEqual([id(1), id(2)]);
    expect(first.hasMore).toBe(true);
    const second = sync(all, first.next, 2, NOW);
    expect(second.deliver.map((c) => c.id)).toEqual([id(3)]);
    expect(second.hasMore).toBe(false);
    expect(sync(all, second.next, 2, NOW + 60_000).deliver).toEqual([]);
  });

  it('catches a write that committed just after a sync read although it is stamped before it', () => {
    const early = change(1, NOW - 1000);
    const first = sync([early], start, 100, NOW);
    expect(first.deliver).toEqual([early]);
    expect(first.next.t).toBe(NOW - SYNC_SETTLE_MS);
    // Stamped at NOW - 2 s (before the read) but visible only now; the next sync still sees it, and not `early` again.
    const late = change(2, NOW - 2000);
    const second = sync([early, late], first.next, 100, NOW + 500);
    expect(second.deliver).toEqual([late]);
    expect(sync([early, late], second.next, 100, NOW + 1000).deliver).toEqual([]);
  });

  it('delivers a change again when it changed again (a new version), and tombstones like any change', () => {
    const v1 = change(1, NOW - 3000, 1);
    const first = sync([v1], start, 100, NOW);
    const v2 = change(1, NOW - 100, 2);
    expect(sync([v2], first.next, 100, NOW + 100).deliver).toEqual([v2]);
  });

  it('keeps tokens small after a burst of writes, still delivering everything once', () => {
    const burst = Array.from({ length: 250 }, (_, i) => change(i + 1, NOW - 1000 + (i % 3)));
    let prev = start;
    const seen: string[] = [];
    for (let page = 0; page < 10; page++) {
      const res = sync(burst, prev, 100, NOW);
      seen.push(...res.deliver.map((c) => c.id));
      expect(res.next.r.length).toBeLessThanOrEqual(SYNC_MAX_MARKS);
      prev = res.next;
      if (!res.hasMore) break;
    }
    expect(new Set(seen).size).toBe(250);
    expect(seen).toHaveLength(250);
  });

  it('ends the full sync when the last page is read', () => {
    const all = [change(1, NOW - 60_000), change(2, NOW - 50_000)];
    const first = sync(all, { t: 0, r: [], f: true }, 1, NOW);
    expect(first.next.f).toBe(true);
    expect(sync(all, first.next, 1, NOW).next.f).toBe(false);
  });
});

describe('withUnlistedMarks', () => {
  const NOW = 1_800_000_000_000;

  it("keeps a full sync's next sync from sending tombstones of events deleted just before it; a later change still comes", () => {
    const live = change(1, NOW - 1000);
    const deletedBefore = change(2, NOW - 2000, 3);
    const full = sync([live], { t: 0, r: [], f: true }, 100, NOW);
    const next = { ...full.next, r: withUnlistedMarks(full.next, [deletedBefore]) };
    // The next sync re-reads the settle window: the deletion is known, the live event not new.
    expect(sync([live, deletedBefore], next, 100, NOW + 10).deliver).toEqual([]);
    // Restored after the token (a new version): delivered.
    const restored = change(2, NOW + 5, 4);
    expect(sync([live, restored], next, 100, NOW + 10).deliver).toEqual([restored]);
  });

  it('ignores deletions older than the window and stays within SYNC_MAX_MARKS', () => {
    const next = { t: NOW - SYNC_SETTLE_MS, r: [markOf(change(1, NOW - 10))] };
    expect(withUnlistedMarks(next, [change(2, NOW - SYNC_SETTLE_MS - 1)])).toEqual(next.r);
    const many = Array.from({ length: 3 * SYNC_MAX_MARKS }, (_, i) => change(i + 10, NOW - 100));
    const marks = withUnlistedMarks(next, many);
    expect(marks).toHaveLength(SYNC_MAX_MARKS);
    expect(marks[0]).toBe(next.r[0]);
  });
});

describe('SyncTokenCodec', () => {
  const codec = new SyncTokenCodec('x'.repeat(40));
  const owner = 'a'.repeat(24);
  const position = {
    u: owner,
    t: Date.now() - 1000,
    r: [markOf({ id: id(1), version: 2 })],
    f: false,
    s: 0,
    iat: Date.now(),
  };

  it('round-trips a position for its owner only', () => {
    const token = codec.encode(position);
    expect(codec.decode(token, owner)).toEqual(position);
    expect(() => codec.decode(token, 'b'.repeat(24))).toThrow(GoneError);
  });

  it('refuses forged, edited, foreign-key and expired tokens as Gone', () => {
    const token = codec.encode({ ...position, t: Date.now() });
    const [body, mac] = token.split('.');
    const edited = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), t: 0 }),
    ).toString('base64url');
    for (const bad of [
      `${edited}.${mac}`,
      `${body}.x${mac.slice(1)}`,
      'garbage',
      '',
      `${body}`,
      new SyncTokenCodec('y'.repeat(40)).encode(position),
    ]) {
      expect(() => codec.decode(bad, owner)).toThrow(GoneError);
    }
    const old = codec.encode({
      ...position,
      t: Date.now() - SYNC_TOKEN_MAX_AGE_MS - 1000,
      iat: Date.now() - SYNC_TOKEN_MAX_AGE_MS - 1000,
    });
    expect(() => codec.decode(old, owner)).toThrow(/older than 30 days/);
  });

  it('binds the calendar: another calendar is a 400 naming the one it is for; a token without one is the primary', () => {
    const team = 'c'.repeat(24);
    const token = codec.encode({ ...position, c: team });
    expect(codec.decode(token, owner, Date.now(), team)).toEqual({ ...position, c: team });
    expect(() => codec.decode(token, owner)).toThrow(ValidationError);
    expect(() => codec.decode(token, owner)).toThrow(`for calendar ${team}, not ${owner}`);
    // Issued before calendars: the user's primary (whose id is the user's), nothing else.
    const legacy = codec.encode(position);
    expect(codec.decode(legacy, owner, Date.now(), owner)).toEqual(position);
    expect(() => codec.decode(legacy, owner, Date.now(), team)).toThrow(ValidationError);
    // Another user's token stays Gone, whatever calendar it names.
    expect(() => codec.decode(token, 'b'.repeat(24), Date.now(), team)).toThrow(GoneError);
  });
});
