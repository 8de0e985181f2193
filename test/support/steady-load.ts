import type { TestUser } from './users';

/** One request of a steady load: what was asked, when, and how it ended. */
export interface LoadRecord {
  kind: 'read' | 'write';
  startedAt: number;
  endedAt: number;
  /** The HTTP status; 0 when there was no answer (connection refused or reset, or `timeoutMs` passed). */
  status: number;
  body: any;
  /** Why there was no answer. */
  failure?: string;
  /** The Retry-After header of the answer, if any. */
  retryAfter?: string | null;
  /** For writes: the title and local start sent, so that every acknowledged event can be looked for afterwards. */
  title?: string;
  start?: string;
  /** For writes that got 201: the created event's id, and the user who owns it. */
  eventId?: string;
  user?: TestUser;
}

export interface SteadyLoadOptions {
  /** Concurrent loops; each alternates a window read and an event create. */
  workers?: number;
  /** Pause between two requests of a loop, so the load is steady rather than flat out. */
  pauseMs?: number;
  /** Longest wait for one answer before it counts as hung (status 0). */
  timeoutMs?: number;
  /** Where the events go (UTC users): one per half hour from here on; reads ask for its first day. */
  from?: string;
}

export interface SteadyLoad {
  readonly records: LoadRecord[];
  /** Start times of the requests sent and not yet answered. */
  pending(): number[];
  /** Records of requests started in [from, to). */
  between(from: number, to: number): LoadRecord[];
  /** Stops the loops after their current request and returns every record. */
  stop(): Promise<LoadRecord[]>;
}

/**
 * A steady mix of authenticated `GET /v1/events?from&to` and `POST /v1/events` against `baseUrl`,
 * spread over `users`, until stopped. Every request is recorded, failures included.
 */
export function steadyLoad(baseUrl: string, users: TestUser[], opts: SteadyLoadOptions = {}): SteadyLoad {
  const { workers = 4, pauseMs = 20, timeoutMs = 10_000, from = '2026-10-01T00:00:00Z' } = opts;
  const base = Date.parse(from);
  const dayEnd = new Date(base + 86_400_000).toISOString();
  const records: LoadRecord[] = [];
  let running = true;
  let sequence = 0;

  const once = async (worker: number, n: number, startedAt: number): Promise<LoadRecord> => {
    const user = users[(worker + n) % users.length];
    const write = n % 2 === 1;
    // Each event gets its own half hour, so creates report no conflicts and reads stay small.
    const slot = write ? sequence++ : 0;
    const title = write ? `load ${worker}-${slot}` : undefined;
    const start = write ? new Date(base + slot * 1_800_000).toISOString().slice(0, 16) : undefined;
    const init: RequestInit = {
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    };
    const url = write
      ? `${baseUrl}/v1/events`
      : `${baseUrl}/v1/events?from=${encodeURIComponent(from)}&to=${encodeURIComponent(dayEnd)}`;
    if (write) {
      init.method = 'POST';
      init.body = JSON.stringify({ title, start });
    }
    try {
      const res = await fetch(url, init);
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON: kept as text */
      }
      const eventId = res.status === 201 ? (body as { event?: { id?: string } }).event?.id : undefined;
      return {
        kind: write ? 'write' : 'read',
        startedAt,
        endedAt: Date.now(),
        status: res.status,
        body,
        retryAfter: res.headers.get('retry-after'),
        title,
        start,
        ...(eventId ? { eventId, user } : {}),
      };
    } catch (err) {
      const failure = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      return {
        kind: write ? 'write' : 'read',
        startedAt,
        endedAt: Date.now(),
        status: 0,
        body: undefined,
        failure,
        title,
      };
    }
  };

  const inFlight = new Set<{ startedAt: number }>();
  const loop = async (worker: number) => {
    for (let n = 0; running; n++) {
      // One clock reading for both: pending() and the record must name the request alike.
      const request = { startedAt: Date.now() };
      inFlight.add(request);
      const record = await once(worker, n, request.startedAt);
      inFlight.delete(request);
      records.push(record);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const loops = Array.from({ length: workers }, (_, w) => loop(w));

  return {
    records,
    pending: () => [...inFlight].map((r) => r.startedAt),
    between: (from, to) => records.filter((r) => r.startedAt >= from && r.startedAt < to),
    async stop() {
      running = false;
      await Promise.all(loops);
      return records;
    },
  };
}

/** A compact account of records for failure messages: counts by kind and status, and a few samples. */
export function describeRecords(records: LoadRecord[]): string {
  const counts = new Map<string, number>();
  for (const r of records) {
    const key = `${r.kind} ${r.status}${r.failure ? ` (${r.failure})` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n}× ${k}`).join(', ');
}
