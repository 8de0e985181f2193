// The CalDAV scenario of `npm run bench`: one user's 10,000-event calendar read over CalDAV next to
// the same reads through the REST API, each request one at a time (the cost of the read, not of a
// queue), in the same run: a calendar-query over a month (getetag and calendar-data, as a client's
// first sync of a window asks) against GET /v1/events over that month (every page), and a
// sync-collection of 1,000 changes against GET /v1/events/sync from the same token.
const MONTH = { from: '2026-05-15T00:00:00Z', to: '2026-06-15T00:00:00Z' };
const CHANGES = 1_000;
/** Changes reach a sync token this long after they are made (SYNC_SETTLE_MS). */
const SETTLE_MS = 5_500;
const TOKEN_PREFIX = 'urn:calendar-assistant:sync:';

const compact = (iso) => iso.replace(/[-:]/g, '').replace(/\.\d+/, '');

/** p50 and max of `samples` sequential runs of `fn` (after one warm-up), and what the warm-up returned. */
async function timed(samples, fn) {
  const first = await fn();
  const times = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ...first, p50: +times[times.length >> 1].toFixed(2), max: +times.at(-1).toFixed(2) };
}

/**
 * Measures the four reads for the user (`token` for REST, `password` an app password for CalDAV);
 * `db.events` is touched directly to make the 1,000 changes (a version bump each, as any write).
 */
export async function measureCaldav({ base, token, email, password, ownerId, db, ObjectId, samples, say }) {
  const basic = `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
  // The API runs with NODE_ENV=production and TRUST_PROXY: HTTPS as a TLS-terminating proxy says.
  const davHeaders = { authorization: basic, 'x-forwarded-proto': 'https', depth: '1' };
  const rest = async (p) => {
    const res = await fetch(base + p, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${(await res.text()).slice(0, 200)}`);
    return res.json();
  };
  const report = async (body) => {
    const res = await fetch(`${base}/dav/calendars/${ownerId}/${ownerId}/`, {
      method: 'REPORT',
      headers: { ...davHeaders, 'content-type': 'application/xml; charset=utf-8' },
      body,
    });
    const text = await res.text();
    if (res.status !== 207) throw new Error(`REPORT: ${res.status} ${text.slice(0, 200)}`);
    return { responses: text.split('<d:response>').length - 1, bytes: Buffer.byteLength(text) };
  };

  say('caldav: a month of the 10,000-event calendar, REST list (every page) and calendar-query…');
  const restMonth = await timed(samples, async () => {
    let occurrences = 0;
    let cursor = null;
    do {
      const page = await rest(
        `/v1/events?from=${MONTH.from}&to=${MONTH.to}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      occurrences += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    return { occurrences };
  });
  const davMonth = await timed(samples, () =>
    report(
      `<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>` +
        `<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">` +
        `<c:time-range start="${compact(MONTH.from)}" end="${compact(MONTH.to)}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
    ),
  );

  say(
    `caldav: ${CHANGES.toLocaleString('en')} changes, then REST sync and sync-collection from the same token…`,
  );
  let syncToken = null;
  let page;
  do {
    page = await rest(
      `/v1/events/sync?limit=1000${syncToken ? `&syncToken=${encodeURIComponent(syncToken)}` : ''}`,
    );
    syncToken = page.nextSyncToken;
  } while (page.hasMore);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const ids = (
    await db.events
      .find({ calendarId: new ObjectId(ownerId) }, { projection: { _id: 1 } })
      .limit(CHANGES)
      .toArray()
  ).map((d) => d._id);
  await db.events.updateMany(
    { _id: { $in: ids } },
    { $inc: { version: 1 }, $set: { updatedAt: new Date() } },
  );
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const restSync = await timed(samples, async () => {
    let items = 0;
    let token = syncToken;
    let p;
    do {
      p = await rest(`/v1/events/sync?limit=1000&syncToken=${encodeURIComponent(token)}`);
      items += p.items.length;
      token = p.nextSyncToken;
    } while (p.hasMore);
    return { items };
  });
  const davSync = await timed(samples, () =>
    report(
      `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${TOKEN_PREFIX}${syncToken}</d:sync-token>` +
        `<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
    ),
  );
  return {
    month: {
      window: MONTH,
      rest: restMonth,
      caldav: davMonth,
      ratio: +(davMonth.p50 / restMonth.p50).toFixed(2),
    },
    sync: {
      changes: ids.length,
      rest: restSync,
      caldav: davSync,
      ratio: +(davSync.p50 / restSync.p50).toFixed(2),
    },
  };
}
