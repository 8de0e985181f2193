import { planRetention, RetentionPolicy } from './retention';

const at = (iso: string) => new Date(iso);
const plan = (isos: string[], policy: RetentionPolicy) => {
  const p = planRetention(isos, at, policy);
  return {
    keep: p.keep.map((k) => `${k.backup} ${k.reasons.join(',')}`),
    remove: p.remove,
  };
};
const none: RetentionPolicy = { keepDaily: 0, keepWeekly: 0, keepMonthly: 0 };

describe('planRetention (grandfather-father-son, UTC)', () => {
  it('keeps the newest backup of each of the last N days, whatever order they come in', () => {
    const backups = [
      '2026-03-01T02:17:00Z',
      '2026-03-03T02:17:00Z',
      '2026-03-02T02:17:00Z',
      '2026-03-04T02:17:00Z',
    ];
    expect(plan(backups, { ...none, keepDaily: 2 })).toEqual({
      keep: ['2026-03-04T02:17:00Z daily', '2026-03-03T02:17:00Z daily'],
      remove: ['2026-03-02T02:17:00Z', '2026-03-01T02:17:00Z'],
    });
  });

  it('with several backups a day keeps only the newest of each day', () => {
    const backups = [
      '2026-03-02T00:00:00Z',
      '2026-03-02T23:59:59.999Z',
      '2026-03-02T12:00:00Z',
      '2026-03-01T23:59:59.999Z',
      '2026-03-01T08:00:00Z',
    ];
    expect(plan(backups, { ...none, keepDaily: 7 })).toEqual({
      keep: ['2026-03-02T23:59:59.999Z daily', '2026-03-01T23:59:59.999Z daily'],
      remove: ['2026-03-02T12:00:00Z', '2026-03-02T00:00:00Z', '2026-03-01T08:00:00Z'],
    });
  });

  it('draws day boundaries at UTC midnight, not local time', () => {
    // 23:30 and 00:30 UTC are one evening in New York but two UTC days.
    expect(plan(['2026-03-01T23:30:00Z', '2026-03-02T00:30:00Z'], { ...none, keepDaily: 2 }).remove).toEqual(
      [],
    );
  });

  it('weeks run Monday to Sunday (ISO), also across a year end', () => {
    const backups = [
      '2025-12-28T10:00:00Z', // Sunday: week of Mon 2025-12-22
      '2025-12-29T10:00:00Z', // Monday: week of Mon 2025-12-29
      '2026-01-04T10:00:00Z', // Sunday: same week as 2025-12-29
      '2026-01-05T10:00:00Z', // Monday: the next week
    ];
    expect(plan(backups, { ...none, keepWeekly: 3 })).toEqual({
      keep: ['2026-01-05T10:00:00Z weekly', '2026-01-04T10:00:00Z weekly', '2025-12-28T10:00:00Z weekly'],
      remove: ['2025-12-29T10:00:00Z'],
    });
  });

  it('keeps the newest backup of each of the last N months, with month ends in UTC', () => {
    const backups = [
      '2026-01-31T23:59:59Z',
      '2026-02-01T00:00:00Z',
      '2026-02-28T03:00:00Z',
      '2026-03-15T03:00:00Z',
    ];
    expect(plan(backups, { ...none, keepMonthly: 2 })).toEqual({
      keep: ['2026-03-15T03:00:00Z monthly', '2026-02-28T03:00:00Z monthly'],
      remove: ['2026-02-01T00:00:00Z', '2026-01-31T23:59:59Z'],
    });
  });

  it('one backup may fill a daily, a weekly and a monthly slot; the slots add up', () => {
    // Daily for 60 days, one each day at 02:17 UTC.
    const backups = Array.from({ length: 60 }, (_, i) =>
      new Date(Date.UTC(2026, 0, 1 + i, 2, 17)).toISOString(),
    );
    const p = planRetention(backups, at, { keepDaily: 7, keepWeekly: 4, keepMonthly: 6 });
    const kept = p.keep.map((k) => `${k.backup.slice(0, 10)} ${k.reasons.join(',')}`);
    // 2026-03-01 is a Sunday: the newest backup is daily, weekly and monthly at once.
    expect(kept).toEqual([
      '2026-03-01 daily,weekly,monthly',
      '2026-02-28 daily,monthly',
      '2026-02-27 daily',
      '2026-02-26 daily',
      '2026-02-25 daily',
      '2026-02-24 daily',
      '2026-02-23 daily',
      '2026-02-22 weekly',
      '2026-02-15 weekly',
      '2026-02-08 weekly',
      '2026-01-31 monthly',
    ]);
    expect(p.remove).toHaveLength(60 - kept.length);
  });

  it('with fewer backups than slots keeps them all', () => {
    const backups = ['2026-03-01T02:17:00Z', '2026-03-02T02:17:00Z'];
    expect(plan(backups, { keepDaily: 7, keepWeekly: 4, keepMonthly: 6 }).remove).toEqual([]);
    expect(plan([], { keepDaily: 7, keepWeekly: 4, keepMonthly: 6 })).toEqual({ keep: [], remove: [] });
  });

  it('with every count at 0 keeps nothing (the caller protects the newest verified backup)', () => {
    expect(plan(['2026-03-01T02:17:00Z'], none)).toEqual({ keep: [], remove: ['2026-03-01T02:17:00Z'] });
  });
});
