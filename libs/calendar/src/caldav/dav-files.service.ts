import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CalendarAccessService, CalendarGrant } from '../calendars/calendar-access.service';
import { Caller } from '../calendars/calendar-role';
import { DAV_NS, DavPreconditionError, invalidCalendarData } from './caldav.errors';
import { DavFileKey, DavFileRepository } from './dav-file.repository';
import { DavFileRecord, DeadProp } from './dav-file.schema';

/**
 * Per account (the calendars' owner, whoever writes): plain collections and files; how deep
 * collections nest; per resource: dead properties and the characters of one value (a file is at
 * most the 1 MiB of a request body, so an account keeps at most about 100 MiB here).
 */
export const DAV_FILE_LIMITS = { collections: 20, files: 100, depth: 4, props: 50, propChars: 4096 } as const;

/** One PROPPATCH instruction, in document order (RFC 4918 §9.2). */
export type DeadPropOp = { op: 'set'; prop: DeadProp } | { op: 'remove'; ns: string; name: string };

const quota = (message: string) =>
  new DavPreconditionError(507, { ns: DAV_NS, name: 'quota-not-exceeded' }, message);
const etagOf = (body: string, contentType: string) =>
  `"${createHash('sha256').update(contentType).update('\n').update(body).digest('base64url').slice(0, 22)}"`;
const shown = (path: string[]) => path.join('/');
/** A calendar's own members are `<UID>.ics` events and plain collections: files go in a collection. */
const notInCalendar = () =>
  invalidCalendarData(
    "A calendar's own members are <UID>.ics events (iCalendar) and plain collections: put files in a collection (MKCOL <calendar>/<name>/ first).",
  );

/**
 * Plain WebDAV collections inside a calendar and the files in them, with dead properties. They
 * are not calendar data — no event, sync or webhook sees them — but WebDAV clients (and litmus,
 * WebDAV's test suite) may keep files and properties there. The calendar's role governs them
 * through the one permission check: a reader reads, a writer writes.
 */
@Injectable()
export class DavFilesService {
  constructor(
    private readonly access: CalendarAccessService,
    private readonly files: DavFileRepository,
  ) {}

  /** The resource at `path` below the calendar, or 404. */
  async get(caller: Caller, calendarId: string, path: string[]): Promise<DavFileRecord> {
    const grant = await this.access.require(caller, calendarId, 'reader');
    return this.existing({ calendarId: grant.calendarId, path });
  }

  /** A resource and, for a collection, its members. */
  async list(caller: Caller, calendarId: string, path: string[]) {
    const grant = await this.access.require(caller, calendarId, 'reader');
    const key = { calendarId: grant.calendarId, path };
    const self = await this.existing(key);
    return { self, members: self.isCollection ? await this.files.membersOf(key) : [] };
  }

  /** MKCOL: a new empty collection (405 when something is there, 409 without its parent). */
  async makeCollection(caller: Caller, calendarId: string, path: string[]): Promise<void> {
    const grant = await this.writer(caller, calendarId);
    const key = { calendarId: grant.calendarId, path };
    if (await this.files.find(key))
      throw new DavPreconditionError(405, null, `${shown(path)} exists already.`);
    await this.parentOf(key);
    if (path.length > DAV_FILE_LIMITS.depth)
      throw new DavPreconditionError(
        403,
        null,
        `Plain collections nest at most ${DAV_FILE_LIMITS.depth} deep in a calendar.`,
      );
    if ((await this.files.countOfOwner(grant.ownerId, true)) >= DAV_FILE_LIMITS.collections)
      throw quota(`An account's calendars hold at most ${DAV_FILE_LIMITS.collections} plain collections.`);
    const made = await this.files.insert(key, grant.ownerId, {
      isCollection: true,
      body: null,
      contentType: null,
      etag: null,
      props: [],
    });
    if (!made) throw new DavPreconditionError(405, null, `${shown(path)} exists already.`);
  }

  /** PUT of a file into an existing collection; `created` when there was none. */
  async put(
    caller: Caller,
    calendarId: string,
    path: string[],
    body: string,
    contentType: string,
    conditions: { ifMatch?: string; ifNoneMatch?: string },
  ): Promise<{ created: boolean; etag: string }> {
    const grant = await this.writer(caller, calendarId);
    const key = { calendarId: grant.calendarId, path };
    if (path.length < 2) throw notInCalendar();
    await this.parentOf(key);
    const previous = await this.files.find(key);
    if (previous?.isCollection)
      throw new DavPreconditionError(405, null, `${shown(path)} is a collection; PUT stores files.`);
    this.checkConditions(previous, conditions);
    const etag = etagOf(body, contentType);
    if (previous) {
      await this.files.update(key, { body, contentType, etag });
      return { created: false, etag };
    }
    await this.roomForFile(grant.ownerId);
    if (
      !(await this.files.insert(key, grant.ownerId, {
        isCollection: false,
        body,
        contentType,
        etag,
        props: [],
      }))
    )
      throw new DavPreconditionError(409, null, 'It was created meanwhile; try again.');
    return { created: true, etag };
  }

  /** DELETE of a file, or of a collection with everything in it. */
  async remove(caller: Caller, calendarId: string, path: string[], ifMatch?: string): Promise<void> {
    const key = { calendarId: (await this.writer(caller, calendarId)).calendarId, path };
    this.checkConditions(await this.existing(key), { ifMatch });
    await this.files.removeTree(key);
  }

  /** PROPPATCH: the instructions in document order, all or nothing. */
  async patch(caller: Caller, calendarId: string, path: string[], ops: DeadPropOp[]): Promise<void> {
    const key = { calendarId: (await this.writer(caller, calendarId)).calendarId, path };
    const props = [...(await this.existing(key)).props];
    for (const op of ops) {
      const { ns, name } = op.op === 'set' ? op.prop : op;
      const i = props.findIndex((p) => p.ns === ns && p.name === name);
      if (op.op === 'remove') {
        if (i >= 0) props.splice(i, 1);
      } else if (JSON.stringify(op.prop).length > DAV_FILE_LIMITS.propChars)
        throw quota(`A property value is at most ${DAV_FILE_LIMITS.propChars} characters.`);
      else if (i >= 0) props[i] = op.prop;
      else props.push(op.prop);
    }
    if (props.length > DAV_FILE_LIMITS.props)
      throw quota(`A resource holds at most ${DAV_FILE_LIMITS.props} dead properties.`);
    await this.files.update(key, { props });
  }

  /**
   * COPY or MOVE to another path below the same calendar: a file, or a collection with everything
   * in it (`shallow`: a COPY with Depth 0 makes the collection only). With `overwrite` false, a
   * destination that exists is 412 (RFC 4918 §9.8.5); `created` when there was none.
   */
  async transfer(
    caller: Caller,
    calendarId: string,
    from: string[],
    to: string[],
    options: { move: boolean; overwrite: boolean; shallow?: boolean },
  ): Promise<{ created: boolean }> {
    const grant = await this.writer(caller, calendarId);
    const id = grant.calendarId;
    const src = { calendarId: id, path: from };
    const dest = { calendarId: id, path: to };
    const source = await this.existing(src);
    if (shown(from) === shown(to))
      throw new DavPreconditionError(403, null, 'The source and the destination are the same resource.');
    if (!source.isCollection && to.length < 2) throw notInCalendar();
    if (source.isCollection && shown(to).startsWith(`${shown(from)}/`))
      throw new DavPreconditionError(403, null, 'A collection cannot go inside itself.');
    await this.parentOf(dest);
    const existing = await this.files.find(dest);
    if (existing && !options.overwrite)
      throw new DavPreconditionError(412, null, `${shown(to)} exists (Overwrite: F).`);
    const members = source.isCollection && !options.shallow ? await this.files.descendantsOf(src) : [];
    if (source.isCollection && to.length + depthBelow(members, from) > DAV_FILE_LIMITS.depth)
      throw new DavPreconditionError(
        403,
        null,
        `Plain collections nest at most ${DAV_FILE_LIMITS.depth} deep.`,
      );
    if (existing) await this.files.removeTree(dest);
    const moved = (parent: string) => [...to, ...parent.split('/').slice(from.length)].join('/');
    if (options.move) {
      await this.files.rename(src, dest);
      for (const m of members) await this.files.setParent(m._id, moved(m.parent));
      return { created: !existing };
    }
    const copies = [source, ...members];
    await this.roomFor(grant.ownerId, copies);
    for (const c of copies) {
      const path = c === source ? to : [...moved(c.parent).split('/'), c.name];
      const { isCollection, body, contentType, etag, props } = c;
      if (
        !(await this.files.insert({ calendarId: id, path }, grant.ownerId, {
          isCollection,
          body,
          contentType,
          etag,
          props,
        }))
      )
        throw new DavPreconditionError(409, null, `${shown(path)} was created meanwhile; try again.`);
    }
    return { created: !existing };
  }

  private async writer(caller: Caller, calendarId: string): Promise<CalendarGrant> {
    return this.access.require(caller, calendarId, 'writer');
  }

  private async existing(key: DavFileKey): Promise<DavFileRecord> {
    const found = await this.files.find(key);
    if (!found) throw new DavPreconditionError(404, null, `Nothing at ${shown(key.path)}.`);
    return found;
  }

  /** A resource's collection must exist first (RFC 4918 §9.3.1, §9.7.1: 409); the calendar is the top one. */
  private async parentOf(key: DavFileKey): Promise<void> {
    if (key.path.length < 2) return;
    const parent = await this.files.find({ ...key, path: key.path.slice(0, -1) });
    if (!parent?.isCollection)
      throw new DavPreconditionError(
        409,
        null,
        `The collection ${shown(key.path.slice(0, -1))}/ does not exist: MKCOL it first.`,
      );
  }

  private async roomForFile(ownerId: string): Promise<void> {
    if ((await this.files.countOfOwner(ownerId, false)) >= DAV_FILE_LIMITS.files)
      throw quota(`An account's plain collections hold at most ${DAV_FILE_LIMITS.files} files.`);
  }

  /** Room for copies of these resources within the owner's limits. */
  private async roomFor(ownerId: string, resources: DavFileRecord[]): Promise<void> {
    const collections = resources.filter((r) => r.isCollection).length;
    const files = resources.length - collections;
    if (
      collections &&
      (await this.files.countOfOwner(ownerId, true)) + collections > DAV_FILE_LIMITS.collections
    )
      throw quota(`An account's calendars hold at most ${DAV_FILE_LIMITS.collections} plain collections.`);
    if (files && (await this.files.countOfOwner(ownerId, false)) + files > DAV_FILE_LIMITS.files)
      throw quota(`An account's plain collections hold at most ${DAV_FILE_LIMITS.files} files.`);
  }

  private checkConditions(
    existing: DavFileRecord | null,
    { ifMatch, ifNoneMatch }: { ifMatch?: string; ifNoneMatch?: string },
  ): void {
    if (ifNoneMatch?.trim() === '*' && existing)
      throw new DavPreconditionError(412, null, 'It exists already (If-None-Match: *).');
    if (ifMatch === undefined) return;
    const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (!existing || !(tags.includes('*') || (existing.etag !== null && tags.includes(existing.etag))))
      throw new DavPreconditionError(412, null, `If-Match ${ifMatch} does not match: fetch it again.`);
  }
}

/** How many levels the deepest of these members sits below the collection at `path`. */
function depthBelow(members: DavFileRecord[], path: string[]): number {
  return members.reduce(
    (deepest, m) => Math.max(deepest, m.parent.split('/').length - path.length + (m.isCollection ? 1 : 0)),
    0,
  );
}
