import { DavPreconditionError } from '@app/calendar';
import { objectHref, parseDavPath } from './dav-paths';

describe('parseDavPath', () => {
  it('names the root, principals, homes, calendars and objects', () => {
    expect(parseDavPath('/dav')).toEqual({ kind: 'root' });
    expect(parseDavPath('/dav/')).toEqual({ kind: 'root' });
    expect(parseDavPath('/dav/principals/u1/')).toEqual({ kind: 'principal', userId: 'u1' });
    expect(parseDavPath('/dav/calendars/u1/')).toEqual({ kind: 'home', userId: 'u1' });
    expect(parseDavPath('/dav/calendars/u1/c1')).toEqual({
      kind: 'calendar',
      userId: 'u1',
      calendarId: 'c1',
    });
    expect(parseDavPath('https://host/dav/calendars/u1/c1/x%40y.ics?a=1')).toEqual({
      kind: 'object',
      userId: 'u1',
      calendarId: 'c1',
      uid: 'x@y',
    });
    expect(parseDavPath('/elsewhere')).toBeNull();
    expect(parseDavPath('/dav/calendars/u1/c1/x.ics/more')).toBeNull();
  });

  it('names what is below a plain collection in a calendar by its path', () => {
    const at = { kind: 'plain', userId: 'u1', calendarId: 'c1' };
    expect(parseDavPath('/dav/calendars/u1/c1/litmus/')).toEqual({ ...at, path: ['litmus'] });
    expect(parseDavPath('/dav/calendars/u1/c1/litmus/coll/r%C3%A9s')).toEqual({
      ...at,
      path: ['litmus', 'coll', 'rés'],
    });
  });

  it('round-trips the href of a UID with reserved characters', () => {
    const href = objectHref('u1', 'c1', 'a b@c?d#e');
    expect(parseDavPath(href)).toMatchObject({ kind: 'object', uid: 'a b@c?d#e' });
  });

  it.each([
    '/dav/calendars/u1/c1/../x.ics',
    '/dav/calendars/u1/c1/a%2Fb.ics',
    '/dav/calendars/u1/c1/a%5Cb.ics',
    '/dav/calendars/u1/c1/%E0%A4%A.ics',
    '/dav/calendars/u1/c1/.ics',
  ])('refuses %s with a 400', (path) => {
    expect(() => parseDavPath(path)).toThrow(DavPreconditionError);
  });
});
