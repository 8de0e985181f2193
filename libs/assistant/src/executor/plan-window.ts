import { localDayBounds } from '@app/calendar';
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
