import { formatInZone, localDayBounds } from '@app/calendar';
import { Plan } from '../plan/plan.schema';

const MAX_WINDOW_MS = 92 * 86_400_000;

/** The plan's window (at most 92 days), or today when it has none. */
export function windowOf(plan: Plan, now: Date, zone: string): { from: Date; to: Date } {
  if (plan.window) {
    const from = new Date(plan.window.from);
    const to = new Date(plan.window.to);
    if (to > from) return { from, to: new Date(Math.min(to.getTime(), from.getTime() + MAX_WINDOW_MS)) };
  }
  return localDayBounds(now, zone);
}

/** A window as replies carry it: ISO-8601 with the user's offset. */
export function windowView(from: Date, to: Date, zone: string): { from: string; to: string } {
  return { from: formatInZone(from, zone), to: formatInZone(to, zone) };
}
