/** The XML namespaces a precondition lives in. */
export const DAV_NS = 'DAV:';
export const CALDAV_NS = 'urn:ietf:params:xml:ns:caldav';

/**
 * A refused CalDAV/WebDAV request that names its precondition (RFC 4918 §16, RFC 4791 §1.3): the
 * HTTP layer answers `status` with `<DAV:error><ns:condition/></DAV:error>` and the message.
 */
export class DavPreconditionError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 405 | 409 | 412 | 415 | 507,
    readonly condition: { ns: string; name: string } | null,
    message: string,
  ) {
    super(message);
    this.name = 'DavPreconditionError';
  }
}

/** A PUT body that is not one valid calendar object (RFC 4791 §5.3.2.1). */
export const invalidCalendarData = (message: string) =>
  new DavPreconditionError(403, { ns: CALDAV_NS, name: 'valid-calendar-data' }, message);

/** A sync token that is expired, forged, another user's or another collection's (RFC 6578 §3.2). */
export const invalidSyncToken = (message: string) =>
  new DavPreconditionError(403, { ns: DAV_NS, name: 'valid-sync-token' }, message);
