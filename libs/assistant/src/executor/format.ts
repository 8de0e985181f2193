import { LRUCache } from 'lru-cache';

/** Human-readable times for replies and diffs, in the user's zone ("Tue, Mar 3, 12:00 PM"). */

// Formatters by zone and kind (building one is costly). They never go stale: bounded by count, no TTL.
const cache = new LRUCache<string, Intl.DateTimeFormat>({ max: 500 });

function formatter(zone: string, kind: 'day' | 'time' | 'moment'): Intl.DateTimeFormat {
  const key = `${zone}|${kind}`;
  let f = cache.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'day'
        ? { timeZone: zone, weekday: 'short', month: 'short', day: 'numeric' }
        : kind === 'time'
          ? { timeZone: zone, hour: 'numeric', minute: '2-digit' }
          : {
              timeZone: zone,
              weekday: 'short',
              month: 'short',
              day: 'numeric',
              hour: 'numeric',
              minute: '2-digit',
            };
    f = new Intl.DateTimeFormat('en-US', options);
    cache.set(key, f);
  }
  return f;
}

// ICU puts a narrow no-break space before AM/PM; plain spaces read the same and survive any client.
const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');

export function formatDay(instant: Date, zone: string): string {
  return plain(formatter(zone, 'day').format(instant));
}

export function formatTime(instant: Date, zone: string): string {
  return plain(formatter(zone, 'time').format(instant));
}

export function formatMoment(instant: Date, zone: string): string {
  return plain(formatter(zone, 'moment').format(instant));
}

/** "Tue, Mar 3, 12:00 PM – 1:00 PM", "Tue, Mar 3 (all day)", "Mon, Jun 15 – Wed, Jun 17 (all day)". */
export function formatSpan(start: Date, end: Date, allDay: boolean, zone: string): string {
  if (allDay) {
    const last = new Date(end.getTime() - 1);
    const first = formatDay(start, zone);
    const lastDay = formatDay(last, zone);
    return first === lastDay ? `${first} (all day)` : `${first} – ${lastDay} (all day)`;
  }
  if (formatDay(start, zone) === formatDay(end, zone))
    return `${formatMoment(start, zone)} – ${formatTime(end, zone)}`;
  return `${formatMoment(start, zone)} – ${formatMoment(end, zone)}`;
}

/** “Title” in typographic quotes, shortened for a sentence. */
export function quote(title: string): string {
  const t = title.length > 80 ? `${title.slice(0, 79)}…` : title;
  return `“${t}”`;
}

/** "tomorrow", "on Tue, Mar 3", "from Mon, Mar 9 to Sun, Mar 15". */
export function describeWindow(from: Date, to: Date, zone: string): string {
  const lastInstant = new Date(to.getTime() - 1);
  const first = formatDay(from, zone);
  const last = formatDay(lastInstant, zone);
  return first === last ? `on ${first}` : `from ${first} to ${last}`;
}

/** "A", "A and B", "A, B and C". */
export const andList = (items: string[]): string =>
  items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
