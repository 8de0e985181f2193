import { DavPreconditionError } from '@app/calendar';

/** The root of the CalDAV server. */
export const DAV_ROOT = '/dav/';

/** What a /dav/ path names. */
export type DavTarget =
  | { kind: 'root' }
  | { kind: 'principal'; userId: string }
  | { kind: 'home'; userId: string }
  | { kind: 'calendar'; userId: string; calendarId: string }
  | { kind: 'object'; userId: string; calendarId: string; uid: string }
  /** A plain WebDAV collection inside a calendar or a file in one, by its path below the calendar. */
  | { kind: 'plain'; userId: string; calendarId: string; path: string[] };

export const principalHref = (userId: string) => `${DAV_ROOT}principals/${userId}/`;
export const homeHref = (userId: string) => `${DAV_ROOT}calendars/${userId}/`;
export const calendarHref = (userId: string, calendarId: string) => `${homeHref(userId)}${calendarId}/`;
export const objectHref = (userId: string, calendarId: string, uid: string) =>
  `${calendarHref(userId, calendarId)}${encodeURIComponent(uid)}.ics`;
export const plainHref = (userId: string, calendarId: string, path: string[], collection: boolean) =>
  `${calendarHref(userId, calendarId)}${path.map(encodeURIComponent).join('/')}${collection ? '/' : ''}`;

const badName = (message: string) => new DavPreconditionError(400, null, message);

/**
 * The target of a request path (or of an href in a REPORT body, absolute URLs included). Names with
 * `..`, a slash or a backslash (encoded or not) are refused with 400; a path outside the layout is
 * null (404). In a calendar, `<UID>.ics` names an event; any other name a plain collection or
 * something below one.
 */
export function parseDavPath(pathOrUrl: string): DavTarget | null {
  let path = pathOrUrl;
  if (/^https?:\/\//i.test(path)) {
    try {
      path = new URL(path).pathname;
    } catch {
      return null;
    }
  }
  path = path.split('?')[0];
  if (path === '/dav') return { kind: 'root' };
  if (!path.startsWith(DAV_ROOT)) return null;
  const raw = path.slice(DAV_ROOT.length).split('/');
  if (raw.at(-1) === '') raw.pop();
  const segments = raw.map((segment) => {
    let name: string;
    try {
      name = decodeURIComponent(segment);
    } catch {
      throw badName(`The path segment "${segment.slice(0, 100)}" is not valid percent-encoding.`);
    }
    if (name === '' || name.includes('..') || /[/\\]/.test(name) || name.includes('\u0000'))
      throw badName('A resource name must not be empty or contain "..", "/", "\\" or NUL.');
    return name;
  });
  const [area, userId, calendarId, name, ...below] = segments;
  if (area === undefined) return { kind: 'root' };
  if (area === 'principals') return userId && !calendarId ? { kind: 'principal', userId } : null;
  if (area !== 'calendars' || !userId) return null;
  if (!calendarId) return { kind: 'home', userId };
  if (!name) return { kind: 'calendar', userId, calendarId };
  if (name === '.ics') throw badName('Calendar object resources are named <UID>.ics.');
  if (!name.endsWith('.ics')) return { kind: 'plain', userId, calendarId, path: [name, ...below] };
  if (below.length > 0) return null;
  return { kind: 'object', userId, calendarId, uid: name.slice(0, -4) };
}
