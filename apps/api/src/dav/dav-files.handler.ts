import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DavFileRecord, DavFilesService, DavPreconditionError, DeadPropOp, DeadXml } from '@app/calendar';
import type { AppPasswordCaller } from '@app/identity';
import { parseDavPath, plainHref } from './dav-paths';
import {
  buildXml,
  child,
  NS,
  parseXml,
  Prefixes,
  QName,
  qkey,
  XmlElement,
  XmlFragment,
  XmlValue,
} from './dav-xml';

/** A plain collection inside a calendar, or a file in one, by its path below the calendar. */
export type DavFileTarget = { kind: 'plain'; userId: string; calendarId: string; path: string[] };

const STATUS = {
  200: 'HTTP/1.1 200 OK',
  403: 'HTTP/1.1 403 Forbidden',
  404: 'HTTP/1.1 404 Not Found',
  424: 'HTTP/1.1 424 Failed Dependency',
};
const D = (name: string): QName => ({ ns: NS.dav, name });
/** The live properties; every other DAV: property but displayname is protected too (RFC 4918 §15). */
const LIVE = [
  'resourcetype',
  'getcontentlength',
  'getcontenttype',
  'getetag',
  'getlastmodified',
  'creationdate',
];
const WRITABLE_DAV = new Set(['displayname']);

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * WebDAV (RFC 4918 class 1) on the plain collections inside a calendar and their files: MKCOL,
 * PUT, GET/HEAD, DELETE, PROPFIND, PROPPATCH with dead properties, and COPY/MOVE within the
 * calendar. Calendar objects (`<UID>.ics`) are DavServer's; what is refused here is refused with
 * a DAV:error body, as there.
 */
@Injectable()
export class DavFilesHandler {
  constructor(private readonly files: DavFilesService) {}

  async handle(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: AppPasswordCaller,
    target: DavFileTarget,
    depth: () => 0 | 1,
  ): Promise<void> {
    const { user } = caller;
    const { calendarId, path } = target;
    const write = () => {
      if (caller.scope !== 'write')
        throw new DavPreconditionError(403, D('need-privileges'), 'This app password is read-only.');
    };
    switch (request.method) {
      case 'MKCOL':
        write();
        if (typeof request.body === 'string' && request.body.length > 0)
          throw new DavPreconditionError(415, null, 'MKCOL takes no body here (no extended MKCOL).');
        await this.files.makeCollection(user, calendarId, path);
        void reply.code(201).send();
        return;
      case 'PUT':
        write();
        return this.put(request, reply, caller, target);
      case 'GET':
      case 'HEAD': {
        const file = await this.files.get(user, calendarId, path);
        if (file.isCollection)
          throw new DavPreconditionError(405, null, 'GET reads files; use PROPFIND on collections.');
        void reply
          .code(200)
          .header('etag', file.etag)
          .header('last-modified', new Date(file.updatedAt).toUTCString())
          .type(file.contentType ?? 'application/octet-stream')
          .send(request.method === 'HEAD' ? undefined : (file.body ?? ''));
        return;
      }
      case 'DELETE':
        write();
        await this.files.remove(user, calendarId, path, header(request, 'if-match'));
        void reply.code(204).send();
        return;
      case 'PROPFIND':
        return this.propfind(request, reply, caller, target, depth());
      case 'PROPPATCH':
        write();
        return this.proppatch(request, reply, caller, target);
      case 'COPY':
      case 'MOVE':
        write();
        return this.transfer(request, reply, caller, target);
      default:
        throw new DavPreconditionError(
          405,
          null,
          `${request.method} is not supported on plain collections and files (no locking, no reports).`,
        );
    }
  }

  private async put(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: AppPasswordCaller,
    target: DavFileTarget,
  ): Promise<void> {
    const body = typeof request.body === 'string' ? request.body : '';
    // Bodies are read as UTF-8 text: bytes that are not would not come back as sent.
    if (body.includes('\uFFFD'))
      throw new DavPreconditionError(415, null, 'Files here are UTF-8 text; this body is not.');
    const type = header(request, 'content-type')?.slice(0, 200) || 'application/octet-stream';
    const { created, etag } = await this.files.put(caller.user, target.calendarId, target.path, body, type, {
      ifMatch: header(request, 'if-match'),
      ifNoneMatch: header(request, 'if-none-match'),
    });
    void reply
      .code(created ? 201 : 204)
      .header('etag', etag)
      .send();
  }

  // ---------------------------------------------------------------- properties

  private async propfind(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: AppPasswordCaller,
    target: DavFileTarget,
    depth: 0 | 1,
  ): Promise<void> {
    const body = xmlBody(request);
    if (body && !(body.ns === NS.dav && body.name === 'propfind'))
      throw new DavPreconditionError(400, null, 'A PROPFIND body is a DAV:propfind element.');
    const propEl = child(body, NS.dav, 'prop');
    const propname = Boolean(child(body, NS.dav, 'propname'));
    const { self, members } = await this.files.list(caller.user, target.calendarId, target.path);
    const prefixes = new Prefixes();
    const responses = [self, ...(depth === 1 ? members : [])].map((r) => {
      const path = r === self ? target.path : [...target.path, r.name];
      const href = plainHref(target.userId, target.calendarId, path, r.isCollection);
      const names = propEl
        ? propEl.children.map((p) => ({ ns: p.ns, name: p.name }))
        : [...LIVE.map(D), ...r.props];
      if (propname) {
        const prop: XmlFragment = {};
        for (const n of names)
          if (liveValue(r, n) !== undefined || isDead(r, n)) prop[prefixes.tag(n.ns, n.name)] = '';
        return { 'd:href': href, 'd:propstat': [{ 'd:prop': prop, 'd:status': STATUS[200] }] };
      }
      const found: XmlFragment = {};
      const missing: XmlFragment = {};
      for (const n of names) {
        const value = liveValue(r, n) ?? deadValue(r, n, prefixes);
        if (value === undefined) missing[prefixes.tag(n.ns, n.name)] = '';
        else found[prefixes.tag(n.ns, n.name)] = value;
      }
      const propstat: XmlFragment[] = [];
      if (Object.keys(found).length) propstat.push({ 'd:prop': found, 'd:status': STATUS[200] });
      if (Object.keys(missing).length) propstat.push({ 'd:prop': missing, 'd:status': STATUS[404] });
      return { 'd:href': href, 'd:propstat': propstat };
    });
    sendMultistatus(reply, responses, prefixes);
  }

  /** PROPPATCH (RFC 4918 §9.2): in document order, all or nothing; protected properties 403, the rest 424. */
  private async proppatch(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: AppPasswordCaller,
    target: DavFileTarget,
  ): Promise<void> {
    const body = xmlBody(request);
    if (!body || body.ns !== NS.dav || body.name !== 'propertyupdate')
      throw new DavPreconditionError(400, null, 'A PROPPATCH body is a DAV:propertyupdate element.');
    const ops: DeadPropOp[] = [];
    for (const op of body.children) {
      if (op.ns !== NS.dav || (op.name !== 'set' && op.name !== 'remove')) continue;
      for (const p of child(op, NS.dav, 'prop')?.children ?? [])
        ops.push(
          op.name === 'set'
            ? {
                op: 'set',
                prop: { ns: p.ns, name: p.name, text: p.text, children: p.children.map(toDeadXml) },
              }
            : { op: 'remove', ns: p.ns, name: p.name },
        );
    }
    const nameOf = (op: DeadPropOp) => (op.op === 'set' ? op.prop : op);
    const isProtected = (n: QName) => n.ns === NS.dav && !WRITABLE_DAV.has(n.name);
    const prefixes = new Prefixes();
    const tags = (list: DeadPropOp[]) =>
      Object.fromEntries(list.map((op) => [prefixes.tag(nameOf(op).ns, nameOf(op).name), ''])) as XmlFragment;
    const refused = ops.filter((op) => isProtected(nameOf(op)));
    const self = await this.files.get(caller.user, target.calendarId, target.path);
    let propstat: XmlFragment[];
    if (refused.length) {
      const others = ops.filter((op) => !isProtected(nameOf(op)));
      propstat = [
        {
          'd:prop': tags(refused),
          'd:status': STATUS[403],
          'd:error': { 'd:cannot-modify-protected-property': '' },
        },
        ...(others.length ? [{ 'd:prop': tags(others), 'd:status': STATUS[424] }] : []),
      ];
    } else {
      await this.files.patch(caller.user, target.calendarId, target.path, ops);
      propstat = ops.length ? [{ 'd:prop': tags(ops), 'd:status': STATUS[200] }] : [];
    }
    const href = plainHref(target.userId, target.calendarId, target.path, self.isCollection);
    sendMultistatus(reply, [{ 'd:href': href, 'd:propstat': propstat }], prefixes);
  }

  // ---------------------------------------------------------------- COPY, MOVE

  private async transfer(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: AppPasswordCaller,
    target: DavFileTarget,
  ): Promise<void> {
    const destination = header(request, 'destination');
    if (!destination)
      throw new DavPreconditionError(400, null, `${request.method} needs a Destination header.`);
    const dest = parseDavPath(destination);
    if (dest?.kind === 'object' || dest?.kind === 'calendar')
      throw new DavPreconditionError(
        403,
        null,
        'A calendar holds the iCalendar objects put there: files are copied or moved between plain collections only.',
      );
    if (dest?.kind !== 'plain' || dest.userId !== target.userId || dest.calendarId !== target.calendarId)
      throw new DavPreconditionError(
        403,
        null,
        'The destination must be in a plain collection of the same calendar.',
      );
    const overwrite = (header(request, 'overwrite') ?? 'T').trim().toUpperCase() !== 'F';
    const { created } = await this.files.transfer(caller.user, target.calendarId, target.path, dest.path, {
      move: request.method === 'MOVE',
      overwrite,
      // COPY of a collection with Depth: 0 copies the collection, not its members (RFC 4918 §9.8.3).
      shallow: request.method === 'COPY' && header(request, 'depth')?.trim() === '0',
    });
    void reply.code(created ? 201 : 204).send();
  }
}

function xmlBody(request: FastifyRequest): XmlElement | undefined {
  const text = typeof request.body === 'string' ? request.body : '';
  return text.trim() ? parseXml(text) : undefined;
}

function sendMultistatus(reply: FastifyReply, responses: XmlFragment[], prefixes: Prefixes): void {
  void reply
    .code(207)
    .type('application/xml; charset=utf-8')
    .send(buildXml('d:multistatus', { 'd:response': responses }, prefixes));
}

/** A live property's value, or undefined when it is not one (or the resource has none). */
function liveValue(r: DavFileRecord, n: QName): XmlValue | undefined {
  if (n.ns !== NS.dav) return undefined;
  const file = !r.isCollection;
  switch (n.name) {
    case 'resourcetype':
      return file ? '' : { 'd:collection': '' };
    case 'getcontentlength':
      return file ? String(Buffer.byteLength(r.body ?? '')) : undefined;
    case 'getcontenttype':
      return file ? (r.contentType ?? undefined) : undefined;
    case 'getetag':
      return file ? (r.etag ?? undefined) : undefined;
    case 'getlastmodified':
      return new Date(r.updatedAt).toUTCString();
    case 'creationdate':
      return new Date(r.createdAt).toISOString();
  }
  return undefined;
}

const isDead = (r: DavFileRecord, n: QName) => r.props.some((p) => qkey(p) === qkey(n));

/** A dead property's value as sent (text, or elements with their namespaces), or undefined. */
function deadValue(r: DavFileRecord, n: QName, prefixes: Prefixes): XmlValue | undefined {
  const prop = r.props.find((p) => qkey(p) === qkey(n));
  if (!prop) return undefined;
  return prop.children.length ? elements(prop.children, prefixes) : prop.text;
}

function elements(children: DeadXml[], prefixes: Prefixes): XmlFragment {
  const out: Record<string, XmlFragment | XmlFragment[]> = {};
  for (const c of children) {
    const tag = prefixes.tag(c.ns, c.name);
    const el: XmlFragment = { ...elements(c.children, prefixes) };
    for (const { name, value } of c.attrs) el[`@_${name}`] = value;
    if (c.text) el['#text'] = c.text;
    const known = out[tag];
    out[tag] = known === undefined ? el : Array.isArray(known) ? [...known, el] : [known, el];
  }
  return out;
}

/** A request element as kept: namespace declarations and prefixed attributes (their prefix would dangle) left out. */
function toDeadXml(el: XmlElement): DeadXml {
  return {
    ns: el.ns,
    name: el.name,
    attrs: Object.entries(el.attrs)
      .filter(([k]) => !k.includes(':') && k !== 'xmlns')
      .map(([name, value]) => ({ name, value })),
    text: el.text,
    children: el.children.map(toDeadXml),
  };
}
