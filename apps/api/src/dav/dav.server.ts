import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  CalendarObject,
  CalendarObjectsService,
  CalendarRole,
  calendarTimezone,
  DavCalendar,
  DavPreconditionError,
} from '@app/calendar';
import {
  DomainError,
  ForbiddenError,
  normalizeIp,
  NotFoundError,
  PreconditionFailedError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
} from '@app/common';
import { AppConfig } from '@app/config';
import { AppPasswordCaller, AppPasswordService, AuthUser } from '@app/identity';
import { DavFilesHandler } from './dav-files.handler';
import {
  calendarHref,
  DAV_ROOT,
  DavTarget,
  homeHref,
  objectHref,
  parseDavPath,
  plainHref,
  principalHref,
} from './dav-paths';
import {
  buildXml,
  child,
  davErrorXml,
  NS,
  parseXml,
  Prefixes,
  QName,
  qkey,
  XmlElement,
  XmlFragment,
  XmlValue,
} from './dav-xml';

/** Request bodies (XML or iCalendar) are read up to this size; larger ones get 413. */
export const DAV_BODY_LIMIT = 1024 * 1024;
/** The WebDAV methods Fastify must know (with a body) besides the standard ones. */
const EXTRA_METHODS = [
  'PROPFIND',
  'PROPPATCH',
  'REPORT',
  'MKCOL',
  'MKCALENDAR',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
];
const ALLOW = 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT';
/** DAV compliance classes: WebDAV 1 and 3, CalDAV access; no locking (2), no auto-schedule. */
const DAV_HEADER = '1, 3, calendar-access';
const REALM = 'Basic realm="Calendar Assistant CalDAV", charset="UTF-8"';

const q = (ns: string, name: string): QName => ({ ns, name });
const D = (name: string) => q(NS.dav, name);
const C = (name: string) => q(NS.caldav, name);
const STATUS = {
  200: 'HTTP/1.1 200 OK',
  403: 'HTTP/1.1 403 Forbidden',
  404: 'HTTP/1.1 404 Not Found',
  507: 'HTTP/1.1 507 Insufficient Storage',
};
const REPORTS = [C('calendar-multiget'), C('calendar-query'), D('sync-collection'), C('free-busy-query')];

/** The properties `allprop` answers with (RFC 4918 §14.2: not the expensive or computed ones). */
const ALLPROP: Record<DavTarget['kind'], QName[]> = {
  root: [D('resourcetype'), D('displayname'), D('current-user-principal')],
  principal: [D('resourcetype'), D('displayname'), D('principal-URL'), C('calendar-home-set')],
  home: [D('resourcetype'), D('displayname'), D('current-user-principal')],
  calendar: [
    D('resourcetype'),
    D('displayname'),
    q(NS.apple, 'calendar-color'),
    C('supported-calendar-component-set'),
    q(NS.cs, 'getctag'),
    D('sync-token'),
  ],
  object: [D('resourcetype'), D('getetag'), D('getcontenttype')],
  // Plain collections and their files answer in DavFilesHandler.
  plain: [],
};

/** What a prop value is computed from. */
interface PropContext {
  user: AuthUser;
  target: DavTarget;
  calendar?: DavCalendar;
  object?: CalendarObject;
  /** The role the caller acts with (a read-only app password makes a writer a reader). */
  role?: CalendarRole;
  calendarData?: string;
}

type Request = FastifyRequest & { user?: AuthUser };

/**
 * The CalDAV server (RFC 4791 over RFC 4918) under /dav/, and /.well-known/caldav (RFC 6764). Raw
 * Fastify routes in a plugin of their own: WebDAV methods (PROPFIND, REPORT, …), bodies of any type
 * read as text up to 1 MiB, and every error as a DAV:error XML body. Sign-in is HTTP Basic with an
 * app password; every read and write asks CalendarObjectsService, which asks the one permission
 * check. Layout: /dav/principals/<user>/, /dav/calendars/<user>/<calendar id>/<UID>.ics.
 */
@Injectable()
export class DavServer implements OnModuleInit {
  private readonly logger = new Logger(DavServer.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AppConfig,
    private readonly appPasswords: AppPasswordService,
    private readonly objects: CalendarObjectsService,
    private readonly files: DavFilesHandler,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHttpMethod) return;
    for (const method of EXTRA_METHODS)
      if (!fastify.supportedMethods.includes(method)) fastify.addHttpMethod(method, { hasBody: true });
    void fastify.register(async (dav) => {
      // Any body is text here (XML, iCalendar, or something to refuse with a DAV:error).
      dav.removeAllContentTypeParsers();
      dav.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      dav.setErrorHandler((err, request, reply) => this.fail(request, reply, err));
      const handler = (request: FastifyRequest, reply: FastifyReply) =>
        this.handle(request as Request, reply);
      const others = ['OPTIONS', 'GET', ...EXTRA_METHODS];
      for (const url of ['/dav', '/dav/*']) {
        dav.route({ method: others, url, bodyLimit: DAV_BODY_LIMIT, handler });
        // Changes are audited with who made them (the @Audited() hook reads this config).
        dav.route({
          method: 'PUT',
          url,
          bodyLimit: DAV_BODY_LIMIT,
          config: { auditAction: 'caldav_put' },
          handler,
        });
        dav.route({
          method: 'DELETE',
          url,
          bodyLimit: DAV_BODY_LIMIT,
          config: { auditAction: 'caldav_delete' },
          handler,
        });
      }
      dav.route({
        method: ['GET', 'PROPFIND', 'OPTIONS'],
        url: '/.well-known/caldav',
        bodyLimit: DAV_BODY_LIMIT,
        handler: (request, reply) => {
          // The scheme and host the client used (the forwarded ones behind a proxy with TRUST_PROXY).
          void reply.code(301).header('location', `${request.protocol}://${request.host}${DAV_ROOT}`).send();
        },
      });
    });
  }

  private async handle(request: Request, reply: FastifyReply): Promise<void> {
    reply.header('dav', DAV_HEADER);
    if (this.config.isProduction && request.protocol !== 'https')
      throw new DavPreconditionError(
        403,
        null,
        'CalDAV signs in with HTTP Basic, which needs HTTPS: use the https:// address of this server.',
      );
    if (request.method === 'OPTIONS') {
      void reply.code(200).header('allow', ALLOW).header('content-length', '0').send();
      return;
    }
    const caller = await this.authenticate(request, reply);
    if (!caller) return;
    const target = parseDavPath(request.url);
    // Plain collections inside a calendar (and their files) are DavFilesHandler's, MKCOL included.
    if (target?.kind === 'plain' && request.method !== 'MKCALENDAR') {
      this.checkOwnTree(caller.user, target);
      return this.files.handle(request, reply, caller, target, () => this.depth(request));
    }
    if (request.method === 'MKCOL' || request.method === 'MKCALENDAR')
      throw new DavPreconditionError(
        403,
        D('resource-must-be-null'),
        'Calendars are created through the API (POST /v1/calendars), not over CalDAV; a calendar holds plain collections (MKCOL <calendar>/<name>/) and events.',
      );
    if (!target)
      throw new DavPreconditionError(404, null, 'Nothing here: the CalDAV server lives under /dav/.');
    this.checkOwnTree(caller.user, target);
    switch (request.method) {
      case 'PROPFIND':
        return this.propfind(request, reply, caller, target);
      case 'REPORT':
        return this.report(request, reply, caller, target);
      case 'GET':
        return this.get(reply, caller, target);
      case 'PUT':
        return this.put(request, reply, caller, target);
      case 'DELETE':
        return this.remove(request, reply, caller, target);
      case 'PROPPATCH':
        return this.proppatch(request, reply, target);
      default:
        void reply
          .code(405)
          .header('allow', ALLOW)
          .type('application/xml; charset=utf-8')
          .send(
            davErrorXml(null, `${request.method} is not supported here (no locking, copying or moving).`),
          );
    }
  }

  /** The caller of a Basic-authenticated request; null after answering the challenge (401). */
  private async authenticate(request: Request, reply: FastifyReply): Promise<AppPasswordCaller | null> {
    const header = request.headers.authorization;
    const caller = await this.appPasswords.authenticateBasic(
      typeof header === 'string' ? header : undefined,
      {
        ip: normalizeIp(request.ip),
      },
    );
    if (!caller) {
      void this.sendError(reply, 401, null, 'Sign in with your email and an app password (HTTP Basic).');
      return null;
    }
    request.user = caller.user;
    return caller;
  }

  /** Principals and calendar homes are the caller's own: anyone else's is not found. */
  private checkOwnTree(user: AuthUser, target: DavTarget): void {
    if (target.kind !== 'root' && target.userId !== user.id)
      throw new DavPreconditionError(404, null, 'Not found.');
  }

  // ---------------------------------------------------------------- PROPFIND

  private async propfind(
    request: Request,
    reply: FastifyReply,
    caller: AppPasswordCaller,
    target: DavTarget,
  ) {
    const depth = this.depth(request);
    const body = this.xmlBody(request);
    if (body && !(body.ns === NS.dav && body.name === 'propfind'))
      throw new DavPreconditionError(400, null, 'A PROPFIND body is a DAV:propfind element.');
    const propEl = child(body, NS.dav, 'prop');
    const propname = Boolean(child(body, NS.dav, 'propname'));
    const requested = (kind: DavTarget['kind']): QName[] =>
      propEl ? propEl.children.map((p) => q(p.ns, p.name)) : ALLPROP[kind];
    const contexts = await this.resources(caller, target, depth);
    const prefixes = new Prefixes();
    const responses = contexts.map((ctx) =>
      propname
        ? this.propnameResponse(ctx, prefixes)
        : this.propResponse(ctx, requested(ctx.target.kind), prefixes),
    );
    this.multistatus(reply, responses, prefixes);
  }

  /** The resource at the target and, with Depth 1, its members. */
  private async resources(
    caller: AppPasswordCaller,
    target: DavTarget,
    depth: 0 | 1,
  ): Promise<PropContext[]> {
    const user = caller.user;
    const roleOf = (role: CalendarRole): CalendarRole =>
      caller.scope === 'read' && (role === 'writer' || role === 'owner') ? 'reader' : role;
    switch (target.kind) {
      case 'root':
      case 'principal':
        return [{ user, target }];
      case 'home': {
        const self: PropContext = { user, target };
        if (depth === 0) return [self];
        const calendars = await this.objects.list(user);
        return [
          self,
          ...calendars.map((calendar) => ({
            user,
            calendar,
            role: roleOf(calendar.role),
            target: { kind: 'calendar' as const, userId: user.id, calendarId: calendar.id },
          })),
        ];
      }
      case 'calendar': {
        const calendar = await this.objects.calendar(user, target.calendarId);
        const self: PropContext = { user, target, calendar, role: roleOf(calendar.role) };
        if (depth === 0) return [self];
        const { objects } = await this.objects.objects(user, calendar.id);
        return [self, ...objects.map((object) => this.objectContext(user, calendar.id, object, self.role))];
      }
      case 'object': {
        const { object } = await this.objects.get(user, target.calendarId, target.uid);
        return [this.objectContext(user, target.calendarId, object)];
      }
      case 'plain':
        return [];
    }
  }

  private objectContext(
    user: AuthUser,
    calendarId: string,
    object: CalendarObject,
    role?: CalendarRole,
  ): PropContext {
    return { user, object, role, target: { kind: 'object', userId: user.id, calendarId, uid: object.uid } };
  }

  private depth(request: Request): 0 | 1 {
    const header = String(request.headers.depth ?? '1')
      .trim()
      .toLowerCase();
    if (header === '0') return 0;
    if (header === '1') return 1;
    if (header === 'infinity')
      throw new DavPreconditionError(
        403,
        D('propfind-finite-depth'),
        'Depth: infinity is not supported; use 0 or 1.',
      );
    throw new DavPreconditionError(
      400,
      null,
      `Depth must be 0, 1 (or infinity, which is refused); got "${header}".`,
    );
  }

  // ---------------------------------------------------------------- properties

  private href(target: DavTarget): string {
    switch (target.kind) {
      case 'root':
        return DAV_ROOT;
      case 'principal':
        return principalHref(target.userId);
      case 'home':
        return homeHref(target.userId);
      case 'calendar':
        return calendarHref(target.userId, target.calendarId);
      case 'object':
        return objectHref(target.userId, target.calendarId, target.uid);
      case 'plain':
        return plainHref(target.userId, target.calendarId, target.path, false);
    }
  }

  /** One prop's value, or undefined when the resource has no such property (404 in its propstat). */
  private prop(ctx: PropContext, name: QName): XmlValue | undefined {
    const { user, target, calendar, object } = ctx;
    const hrefOf = (href: string) => ({ 'd:href': href });
    switch (qkey(name)) {
      case qkey(D('current-user-principal')):
        return hrefOf(principalHref(user.id));
      case qkey(C('calendar-home-set')):
        return target.kind === 'object' ? undefined : hrefOf(homeHref(user.id));
      case qkey(D('resourcetype')):
        if (target.kind === 'object') return '';
        if (target.kind === 'principal') return { 'd:collection': '', 'd:principal': '' };
        if (target.kind === 'calendar') return { 'd:collection': '', 'c:calendar': '' };
        return { 'd:collection': '' };
      case qkey(D('displayname')):
        if (target.kind === 'principal') return user.name;
        if (target.kind === 'calendar') return calendar?.name;
        if (target.kind === 'home') return 'Calendars';
        return target.kind === 'root' ? 'Calendar Assistant' : undefined;
      case qkey(D('principal-URL')):
        return target.kind === 'principal' ? hrefOf(principalHref(user.id)) : undefined;
      case qkey(C('calendar-user-address-set')):
        return target.kind === 'principal' ? hrefOf(`mailto:${user.email}`) : undefined;
      case qkey(D('owner')):
        return target.kind === 'home' || target.kind === 'principal'
          ? hrefOf(principalHref(user.id))
          : undefined;
      case qkey(D('supported-report-set')):
        if (target.kind !== 'calendar') return undefined;
        return {
          'd:supported-report': REPORTS.map((r) => ({
            'd:report': { [r.ns === NS.dav ? `d:${r.name}` : `c:${r.name}`]: '' },
          })),
        };
      case qkey(D('current-user-privilege-set')):
        return {
          'd:privilege': privileges(
            target.kind === 'object' || target.kind === 'calendar' ? ctx.role : 'owner',
          ),
        };
    }
    if (target.kind === 'calendar' && calendar) {
      switch (qkey(name)) {
        case qkey(q(NS.apple, 'calendar-color')):
          return calendar.color ?? undefined;
        case qkey(C('calendar-description')):
          return calendar.description ?? undefined;
        case qkey(C('calendar-timezone')):
          return calendarTimezone(calendar.timeZone);
        case qkey(C('supported-calendar-component-set')):
          return { 'c:comp': { '@_name': 'VEVENT' } };
        case qkey(C('supported-calendar-data')):
          return { 'c:calendar-data': { '@_content-type': 'text/calendar', '@_version': '2.0' } };
        case qkey(C('max-resource-size')):
          return String(DAV_BODY_LIMIT);
        case qkey(q(NS.cs, 'getctag')):
          return calendar.ctag;
        case qkey(D('sync-token')):
          return calendar.syncToken;
      }
    }
    if (target.kind === 'object' && object) {
      switch (qkey(name)) {
        case qkey(D('getetag')):
          return object.etag;
        case qkey(D('getcontenttype')):
          return 'text/calendar; charset=utf-8; component=vevent';
        case qkey(C('calendar-data')):
          return ctx.calendarData;
      }
    }
    return undefined;
  }

  private propResponse(ctx: PropContext, names: QName[], prefixes: Prefixes): XmlFragment {
    const found: XmlFragment = {};
    const missing: XmlFragment = {};
    for (const name of names) {
      const value = this.prop(ctx, name);
      if (value === undefined) missing[prefixes.tag(name.ns, name.name)] = '';
      else found[prefixes.tag(name.ns, name.name)] = value;
    }
    const propstat: XmlFragment[] = [];
    if (Object.keys(found).length) propstat.push({ 'd:prop': found, 'd:status': STATUS[200] });
    if (Object.keys(missing).length) propstat.push({ 'd:prop': missing, 'd:status': STATUS[404] });
    return { 'd:href': this.href(ctx.target), 'd:propstat': propstat };
  }

  private propnameResponse(ctx: PropContext, prefixes: Prefixes): XmlFragment {
    const names = ALLPROP[ctx.target.kind];
    const prop: XmlFragment = {};
    for (const name of names) prop[prefixes.tag(name.ns, name.name)] = '';
    return { 'd:href': this.href(ctx.target), 'd:propstat': [{ 'd:prop': prop, 'd:status': STATUS[200] }] };
  }

  private multistatus(
    reply: FastifyReply,
    responses: XmlFragment[],
    prefixes: Prefixes,
    extra: XmlFragment = {},
  ) {
    void reply
      .code(207)
      .type('application/xml; charset=utf-8')
      .send(buildXml('d:multistatus', { 'd:response': responses, ...extra }, prefixes));
  }

  // ---------------------------------------------------------------- REPORT

  private async report(request: Request, reply: FastifyReply, caller: AppPasswordCaller, target: DavTarget) {
    const body = this.xmlBody(request);
    if (!body) throw new DavPreconditionError(400, null, 'A REPORT needs an XML body naming the report.');
    const report = qkey(q(body.ns, body.name));
    if (target.kind !== 'calendar' || !REPORTS.some((r) => qkey(r) === report))
      throw new DavPreconditionError(
        403,
        D('supported-report'),
        `The report {${body.ns}}${body.name} is not supported on this resource; calendars support calendar-multiget, calendar-query, sync-collection and free-busy-query.`,
      );
    if (report === qkey(C('free-busy-query'))) return this.freeBusyReport(body, reply, caller, target);
    const user = caller.user;
    const propEl = child(body, NS.dav, 'prop');
    const names = propEl ? propEl.children.map((p) => q(p.ns, p.name)) : [D('getetag')];
    const wantsData = names.some((n) => qkey(n) === qkey(C('calendar-data')));
    const render = this.calendarDataRenderer(propEl);
    const prefixes = new Prefixes();
    const respond = (role: CalendarRole, objects: CalendarObject[]) =>
      objects.map((object) =>
        this.propResponse(
          {
            ...this.objectContext(user, target.calendarId, object, role),
            calendarData: wantsData ? render(role, object.record) : undefined,
          },
          names,
          prefixes,
        ),
      );
    if (report === qkey(C('calendar-multiget'))) {
      const hrefs = body.children.filter((c) => c.ns === NS.dav && c.name === 'href').map((h) => h.text);
      const wanted = new Map<string, string>();
      const notFound: string[] = [];
      for (const href of hrefs) {
        const t = parseDavPath(href);
        if (t?.kind === 'object' && t.userId === user.id && t.calendarId === target.calendarId)
          wanted.set(t.uid, href);
        else notFound.push(href);
      }
      const { grant, objects } = await this.objects.byUids(user, target.calendarId, [...wanted.keys()]);
      for (const object of objects) wanted.delete(object.uid);
      notFound.push(...wanted.values());
      const role = this.actingRole(caller, grant.role);
      return this.multistatus(
        reply,
        [...respond(role, objects), ...notFound.map((href) => ({ 'd:href': href, 'd:status': STATUS[404] }))],
        prefixes,
      );
    }
    if (report === qkey(C('calendar-query'))) {
      const range = this.timeRange(body);
      if (range === null) return this.multistatus(reply, [], prefixes);
      const { grant, objects } = await this.objects.objects(user, target.calendarId, range);
      return this.multistatus(reply, respond(this.actingRole(caller, grant.role), objects), prefixes);
    }
    // sync-collection (RFC 6578)
    const level = child(body, NS.dav, 'sync-level')?.text.trim();
    if (level && level !== '1' && level !== 'infinite')
      throw new DavPreconditionError(400, null, 'DAV:sync-level must be 1 (or infinite).');
    const token = child(body, NS.dav, 'sync-token')?.text.trim() || undefined;
    const changes = await this.objects.changesSince(user, target.calendarId, token);
    const role = this.actingRole(caller, changes.role);
    const responses = [
      ...respond(role, changes.changed),
      ...changes.removedUids.map((uid) => ({
        'd:href': objectHref(user.id, target.calendarId, uid),
        'd:status': STATUS[404],
      })),
      ...(changes.truncated
        ? [
            {
              'd:href': calendarHref(user.id, target.calendarId),
              'd:status': STATUS[507],
              'd:error': { 'd:number-of-matches-within-limits': '' },
            },
          ]
        : []),
    ];
    return this.multistatus(reply, responses, prefixes, { 'd:sync-token': changes.syncToken });
  }

  /**
   * How a report renders calendar-data: as stored, or with `<C:calendar-data><C:expand start end/>`
   * each occurrence in the window as its own UTC instance (RFC 4791 §9.6.5). `limit-recurrence-set`
   * and `limit-freebusy-set` are accepted and answered with the whole object (a superset).
   */
  private calendarDataRenderer(
    propEl: XmlElement | undefined,
  ): (role: CalendarRole, record: CalendarObject['record']) => string {
    const expand = child(child(propEl, NS.caldav, 'calendar-data'), NS.caldav, 'expand');
    if (!expand) return (role, record) => this.objects.render(role, record);
    const { from, to } = parseTimeRange(expand);
    if (!from || !to)
      throw new DavPreconditionError(400, null, '<C:expand> needs both start and end (UTC date-times).');
    return (role, record) => this.objects.renderExpanded(role, record, { from, to });
  }

  private actingRole(caller: AppPasswordCaller, role: CalendarRole): CalendarRole {
    return caller.scope === 'read' && (role === 'writer' || role === 'owner') ? 'reader' : role;
  }

  /**
   * The calendar-query filter: VCALENDAR > VEVENT, optionally with a time-range. Undefined bounds:
   * every event; null: a filter no event can match (another component).
   */
  private timeRange(body: XmlElement): { from?: Date; to?: Date } | null {
    const filter = child(body, NS.caldav, 'filter');
    const vcalendar = child(filter, NS.caldav, 'comp-filter');
    if (!filter || !vcalendar || vcalendar.attrs.name?.toUpperCase() !== 'VCALENDAR')
      throw new DavPreconditionError(
        403,
        C('valid-filter'),
        'calendar-query needs <C:filter><C:comp-filter name="VCALENDAR">…</C:comp-filter></C:filter>.',
      );
    const component = child(vcalendar, NS.caldav, 'comp-filter');
    if (!component) return {};
    if (component.attrs.name?.toUpperCase() !== 'VEVENT') return null;
    const range = child(component, NS.caldav, 'time-range');
    return range ? parseTimeRange(range) : {};
  }

  /**
   * REPORT free-busy-query (RFC 4791 §7.10) on a calendar: 200 with a VCALENDAR holding one
   * VFREEBUSY of the calendar's busy time in the time-range (a freeBusyReader may ask).
   */
  private async freeBusyReport(
    body: XmlElement,
    reply: FastifyReply,
    caller: AppPasswordCaller,
    target: Extract<DavTarget, { kind: 'calendar' }>,
  ) {
    const range = child(body, NS.caldav, 'time-range');
    const { from, to } = range ? parseTimeRange(range) : {};
    if (!from || !to)
      throw new DavPreconditionError(
        400,
        null,
        'free-busy-query needs <C:time-range start="…Z" end="…Z"/> with both bounds.',
      );
    const ics = await this.objects.freeBusy(caller.user, target.calendarId, from, to);
    void reply.code(200).type('text/calendar; charset=utf-8').send(ics);
  }

  // ---------------------------------------------------------------- GET, PUT, DELETE

  private async get(reply: FastifyReply, caller: AppPasswordCaller, target: DavTarget) {
    if (target.kind !== 'object')
      throw new DavPreconditionError(
        405,
        null,
        'GET reads calendar objects (<UID>.ics); use PROPFIND on collections.',
      );
    const { object, ics } = await this.objects.get(caller.user, target.calendarId, target.uid);
    void reply.code(200).header('etag', object.etag).type('text/calendar; charset=utf-8').send(ics);
  }

  private async put(request: Request, reply: FastifyReply, caller: AppPasswordCaller, target: DavTarget) {
    if (target.kind !== 'object')
      throw new DavPreconditionError(405, null, 'PUT stores calendar objects (<UID>.ics) in a calendar.');
    this.requireWriteScope(caller);
    const type = String(request.headers['content-type'] ?? '').toLowerCase();
    if (!type.startsWith('text/calendar'))
      throw new DavPreconditionError(
        415,
        C('supported-calendar-data'),
        `A calendar object is text/calendar; got "${type.slice(0, 100) || 'no content type'}".`,
      );
    const text = typeof request.body === 'string' ? request.body : '';
    if (!text.trim()) throw new DavPreconditionError(403, C('valid-calendar-data'), 'The body is empty.');
    const stored = await this.objects.put(caller.user, target.calendarId, target.uid, text, {
      ifMatch: header(request, 'if-match'),
      ifNoneMatch: header(request, 'if-none-match'),
    });
    sendPutAnswer(reply, stored);
  }

  private async remove(request: Request, reply: FastifyReply, caller: AppPasswordCaller, target: DavTarget) {
    if (target.kind !== 'object')
      throw new DavPreconditionError(
        403,
        null,
        'Calendars are deleted through the API (DELETE /v1/calendars/{id}).',
      );
    this.requireWriteScope(caller);
    await this.objects.remove(caller.user, target.calendarId, target.uid, header(request, 'if-match'));
    void reply.code(204).send();
  }

  /** PROPPATCH: nothing is writable over CalDAV (the API changes names and colours); each property is 403. */
  private async proppatch(request: Request, reply: FastifyReply, target: DavTarget) {
    const body = this.xmlBody(request);
    if (!body || body.ns !== NS.dav || body.name !== 'propertyupdate')
      throw new DavPreconditionError(400, null, 'A PROPPATCH body is a DAV:propertyupdate element.');
    const prefixes = new Prefixes();
    const prop: XmlFragment = {};
    for (const op of body.children)
      for (const p of child(op, NS.dav, 'prop')?.children ?? []) prop[prefixes.tag(p.ns, p.name)] = '';
    this.multistatus(
      reply,
      [
        {
          'd:href': this.href(target),
          'd:propstat': [
            {
              'd:prop': prop,
              'd:status': STATUS[403],
              'd:error': { 'd:cannot-modify-protected-property': '' },
            },
          ],
        },
      ],
      prefixes,
    );
  }

  private requireWriteScope(caller: AppPasswordCaller): void {
    if (caller.scope !== 'write')
      throw new DavPreconditionError(403, D('need-privileges'), 'This app password is read-only.');
  }

  // ---------------------------------------------------------------- bodies and errors

  private xmlBody(request: Request): XmlElement | undefined {
    const text = typeof request.body === 'string' ? request.body : '';
    if (!text.trim()) return undefined;
    return parseXml(text);
  }

  /** Every refusal as a DAV:error body with the right status; never a 500 for bad input. */
  private fail(request: FastifyRequest, reply: FastifyReply, err: unknown): void {
    if (err instanceof DavPreconditionError)
      return this.sendError(reply, err.status, err.condition, err.message);
    if (err instanceof UnauthorizedError) return this.sendError(reply, 401, null, err.message);
    if (err instanceof RateLimitedError) {
      reply.header('retry-after', String(err.retryAfterSeconds));
      return this.sendError(reply, 429, null, err.message);
    }
    if (err instanceof NotFoundError) return this.sendError(reply, 404, null, err.message);
    if (err instanceof ForbiddenError) return this.sendError(reply, 403, D('need-privileges'), err.message);
    if (err instanceof PreconditionFailedError) return this.sendError(reply, 412, null, err.message);
    if (err instanceof ValidationError) return this.sendError(reply, 400, null, err.message);
    if (err instanceof DomainError) return this.sendError(reply, 409, null, err.message);
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 413)
      return this.sendError(
        reply,
        413,
        C('max-resource-size'),
        `The body is larger than ${DAV_BODY_LIMIT} bytes.`,
      );
    if (status && status >= 400 && status < 500)
      return this.sendError(reply, status, null, (err as Error).message);
    this.logger.error(`CalDAV ${request.method} failed: ${(err as Error).stack ?? String(err)}`);
    this.sendError(reply, 500, null, 'Internal error; the request id identifies it in the logs.');
  }

  private sendError(reply: FastifyReply, status: number, condition: QName | null, message: string): void {
    if (status === 401) reply.header('www-authenticate', REALM);
    void reply
      .code(status)
      .header('dav', DAV_HEADER)
      .type('application/xml; charset=utf-8')
      .send(davErrorXml(condition, message));
  }
}

/** A CALDAV:time-range's bounds (UTC date-times); either may be absent, not both. */
function parseTimeRange(range: XmlElement): { from?: Date; to?: Date } {
  const parse = (value: string | undefined, which: string) => {
    if (value === undefined) return undefined;
    const m = value.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/);
    const date = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
    if (!date || Number.isNaN(date.getTime()))
      throw new DavPreconditionError(
        403,
        C('valid-filter'),
        `time-range ${which} must be a UTC date-time like 20260101T000000Z; got "${value.slice(0, 40)}".`,
      );
    return date;
  };
  const from = parse(range.attrs.start, 'start');
  const to = parse(range.attrs.end, 'end');
  if (!from && !to)
    throw new DavPreconditionError(403, C('valid-filter'), 'time-range needs a start or an end.');
  if (from && to && to <= from)
    throw new DavPreconditionError(403, C('valid-filter'), 'time-range end must be after its start.');
  return { from, to };
}

const header = (request: Request, name: string): string | undefined => {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * A PUT's answer: the ETag only when what is stored is byte for byte what was sent; otherwise none,
 * so the client GETs the stored form (RFC 4791 §5.3.4: an ETag means "your copy is the resource").
 */
function sendPutAnswer(
  reply: FastifyReply,
  stored: { created: boolean; identical: boolean; object: CalendarObject },
) {
  if (stored.identical) reply.header('etag', stored.object.etag);
  void reply.code(stored.created ? 201 : 204).send();
}

/** The privileges of a role (RFC 3744): a reader reads, a writer or owner also writes. */
function privileges(role: CalendarRole | undefined): XmlFragment[] {
  const read = [{ 'd:read': '' }, { 'd:read-current-user-privilege-set': '' }, { 'c:read-free-busy': '' }];
  if (role !== 'writer' && role !== 'owner') return read;
  return [...read, { 'd:write': '' }, { 'd:write-content': '' }, { 'd:bind': '' }, { 'd:unbind': '' }];
}
