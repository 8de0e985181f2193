/**
 * Grandfather-father-son retention: of the backups, keep the newest of each of the last
 * `keepDaily` UTC days, `keepWeekly` ISO weeks (Monday to Sunday, UTC) and `keepMonthly` UTC
 * months that hold a backup. Pure: which folders to delete is decided here, deleting is not.
 */
export interface RetentionPolicy {
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
}

export type RetentionReason = 'daily' | 'weekly' | 'monthly';

export interface Retained<T> {
  backup: T;
  reasons: RetentionReason[];
}

export interface RetentionPlan<T> {
  /** Newest first, each with the slots that keep it. */
  keep: Retained<T>[];
  /** Newest first. */
  remove: T[];
}

const DAY_MS = 86_400_000;

const dayKey = (at: Date) => at.toISOString().slice(0, 10);
const monthKey = (at: Date) => at.toISOString().slice(0, 7);
/** The Monday (UTC) of the ISO week `at` falls in. */
function weekKey(at: Date): string {
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const sinceMonday = (at.getUTCDay() + 6) % 7;
  return dayKey(new Date(midnight - sinceMonday * DAY_MS));
}

const SLOTS: { reason: RetentionReason; key: (at: Date) => string; count: (p: RetentionPolicy) => number }[] =
  [
    { reason: 'daily', key: dayKey, count: (p) => p.keepDaily },
    { reason: 'weekly', key: weekKey, count: (p) => p.keepWeekly },
    { reason: 'monthly', key: monthKey, count: (p) => p.keepMonthly },
  ];

export function planRetention<T>(
  backups: readonly T[],
  takenAt: (backup: T) => Date,
  policy: RetentionPolicy,
): RetentionPlan<T> {
  const newestFirst = [...backups].sort((a, b) => takenAt(b).getTime() - takenAt(a).getTime());
  const reasons = new Map<T, RetentionReason[]>();
  for (const slot of SLOTS) {
    const seen = new Set<string>();
    for (const backup of newestFirst) {
      if (seen.size >= slot.count(policy)) break;
      const key = slot.key(takenAt(backup));
      if (seen.has(key)) continue; // an older backup of a period already kept
      seen.add(key);
      reasons.set(backup, [...(reasons.get(backup) ?? []), slot.reason]);
    }
  }
  return {
    keep: newestFirst.filter((b) => reasons.has(b)).map((b) => ({ backup: b, reasons: reasons.get(b)! })),
    remove: newestFirst.filter((b) => !reasons.has(b)),
  };
}
