import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { withTimeout } from '@app/common';
import { MONGOOSE_CONNECTION_OPTIONS } from '../connection-options';
import { MongoPoolMetrics } from '@app/observability';
import type { Connection } from 'mongoose';
import { Types } from 'mongoose';
import { PlanSummary, summarizeExplain } from './explain-plan';

const STEP_TIMEOUT_MS = 15_000;

export interface ServerInfo {
  kind: 'mongodb' | 'ferretdb';
  version: string;
}

export interface HotQueryReport extends PlanSummary {
  name: string;
  collection: string;
  /** The filter's shape (values replaced by their types): never user data. */
  shape: string;
  /** True when `docsExamined` is the collection's size because the server reports no statistics. */
  docsExaminedEstimated: boolean;
  error?: string;
}

export interface SlowOperation {
  op: string;
  ns: string;
  millis: number;
  /** The command's name only, never its arguments. */
  command?: string;
  at?: string;
  planSummary?: string;
}

/** A diagnostic the server may not offer: FerretDB has no profiler, Atlas shared tiers refuse some. */
export type Optional<T> = { supported: true; value: T; note?: string } | { supported: false; reason: string };

export interface CollectionSize {
  name: string;
  documents: number;
  dataBytes: number;
  storageBytes: number;
  indexBytes: number;
  indexes: Record<string, number>;
}

export interface DatabaseStats {
  database: string;
  server: ServerInfo;
  db: Optional<{
    collections: number;
    objects: number;
    dataBytes: number;
    storageBytes: number;
    indexBytes: number;
  }>;
  collections: Optional<CollectionSize[]>;
}

export interface DbPerformanceReport extends DatabaseStats {
  queries: HotQueryReport[];
  currentOps: Optional<SlowOperation[]>;
  profiler: Optional<{ level: number; slowMs: number | null; slowest: SlowOperation[] }>;
  connections: {
    /** This process's driver pool (the CLI's own, not the API's). */
    pool: { size: number; inUse: number; max: number };
    /** The server's view of all clients (serverStatus.connections). */
    server: Optional<{ current: number; available: number | null; totalCreated: number | null }>;
  };
}

interface HotQuery {
  name: string;
  collection: string;
  filter: (sample: Record<string, unknown>, now: Date) => Record<string, unknown>;
  /** A field whose value is sampled from a real document so the plan and counts are realistic. */
  sampleField?: string;
}

/** The API's hottest reads, exactly as their repositories issue them. */
const HOT_QUERIES: HotQuery[] = [
  {
    name: 'events in a window',
    collection: 'events',
    sampleField: 'calendarId',
    filter: (s, now) => ({
      calendarId: s.calendarId ?? new Types.ObjectId(),
      deletedAt: null,
      rangeStart: { $lt: new Date(now.getTime() + 7 * 86_400_000) },
      $or: [{ rangeEnd: null }, { rangeEnd: { $gt: now } }],
    }),
  },
  {
    // An attendee's listing and free/busy: the meetings they are invited to (EventRepository.findInvitedInRange).
    name: 'meetings an address is invited to',
    collection: 'events',
    filter: (_s, now) => ({
      attendeeEmails: 'ops-explain@example.invalid',
      deletedAt: null,
      rangeStart: { $lt: new Date(now.getTime() + 7 * 86_400_000) },
      $or: [{ rangeEnd: null }, { rangeEnd: { $gt: now } }],
    }),
  },
  { name: 'user by email', collection: 'users', filter: () => ({ email: 'ops-explain@example.invalid' }) },
  {
    name: 'refresh token by hash',
    collection: 'refresh_tokens',
    filter: () => ({ tokenHash: '0'.repeat(64) }),
  },
  {
    name: 'audit events in a window',
    collection: 'audit_events',
    filter: (_s, now) => ({ at: { $gte: new Date(now.getTime() - 3_600_000) } }),
  },
];

/**
 * Read-only MongoDB diagnostics for `ops check db-performance` and evidence archives: query plans of
 * the hot queries, slow operations, sizes and connections. Every server command that a server may
 * not support (FerretDB lacks the profiler, $indexStats, execution statistics) is reported as
 * "not supported by this server" instead of failing the whole report.
 */
@Injectable()
export class DbDiagnosticsService {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly pool: MongoPoolMetrics,
  ) {}

  /** Waits for a lazily opened connection (the ops CLI); throws when MongoDB cannot be reached. */
  async ensureConnected(): Promise<void> {
    if (this.connection.readyState === 2)
      await withTimeout(this.connection.asPromise(), 5000, 'mongodb connect');
    if (this.connection.readyState !== 1 || !this.connection.db) throw new Error('MongoDB is not connected');
  }

  async server(): Promise<ServerInfo> {
    const info = (await this.db().admin().command({ buildInfo: 1 })) as Record<string, unknown>;
    return info.ferretdbVersion
      ? {
          kind: 'ferretdb',
          version: `FerretDB ${String(info.ferretdbVersion)} (MongoDB ${String(info.version)} wire)`,
        }
      : { kind: 'mongodb', version: String(info.version) };
  }

  async databaseStats(): Promise<DatabaseStats> {
    await this.ensureConnected();
    const server = await this.server();
    const db = await optional(async () => {
      const s = (await this.db().command({ dbStats: 1 })) as Record<string, number>;
      return {
        collections: s.collections ?? 0,
        objects: s.objects ?? 0,
        dataBytes: s.dataSize ?? 0,
        storageBytes: s.storageSize ?? 0,
        indexBytes: s.indexSize ?? 0,
      };
    });
    const collections = await optional(async () => {
      const names = (await this.db().listCollections({}, { nameOnly: true }).toArray())
        .map((c) => c.name)
        .filter((n) => !n.startsWith('system.'))
        .sort();
      const out: CollectionSize[] = [];
      for (const name of names) out.push(await this.collectionSize(name));
      return out;
    });
    return { database: this.db().databaseName, server, db, collections };
  }

  async performance(opts: {
    slowMs: number;
    onProgress?: (step: string) => void;
  }): Promise<DbPerformanceReport> {
    await this.ensureConnected();
    opts.onProgress?.('explaining the hot queries');
    const queries: HotQueryReport[] = [];
    for (const q of HOT_QUERIES) queries.push(await this.explain(q));
    opts.onProgress?.('looking for slow operations');
    const currentOps = await this.currentOps(opts.slowMs);
    const profiler = await this.profiler(opts.slowMs);
    opts.onProgress?.('reading sizes and connections');
    const stats = await this.databaseStats();
    const server = await optional(async () => {
      const status = (await this.db().admin().command({ serverStatus: 1 })) as {
        connections?: { current: number; available?: number; totalCreated?: number };
      };
      if (!status.connections) throw new Unsupported();
      return {
        current: status.connections.current,
        available: status.connections.available ?? null,
        totalCreated: status.connections.totalCreated ?? null,
      };
    });
    return {
      ...stats,
      queries,
      currentOps,
      profiler,
      connections: {
        pool: { ...this.pool.snapshot(), max: MONGOOSE_CONNECTION_OPTIONS.maxPoolSize },
        server,
      },
    };
  }

  /** Accounts with `role: 'admin'` (0 when the users collection has no role field). */
  async adminUsers(): Promise<{ count: number; roleField: boolean }> {
    await this.ensureConnected();
    const users = this.db().collection('users');
    const roleField = (await users.findOne({ role: { $exists: true } }, { projection: { _id: 1 } })) !== null;
    return { count: roleField ? await users.countDocuments({ role: 'admin' }) : 0, roleField };
  }

  private async explain(q: HotQuery): Promise<HotQueryReport> {
    const now = new Date();
    const coll = this.db().collection(q.collection);
    let filter: Record<string, unknown> = {};
    try {
      const sample = q.sampleField
        ? ((await coll.findOne(
            { [q.sampleField]: { $exists: true } },
            { projection: { [q.sampleField]: 1 } },
          )) ?? {})
        : {};
      filter = q.filter(sample, now);
      const explain = (await withTimeout(
        coll.find(filter).explain('executionStats'),
        STEP_TIMEOUT_MS,
        `explain ${q.collection}`,
      )) as unknown as Record<string, unknown>;
      const plan = summarizeExplain(explain);
      let estimated = false;
      if (plan.access !== 'EOF') {
        if (plan.returned === null) plan.returned = await coll.countDocuments(filter);
        if (plan.docsExamined === null && plan.access === 'COLLSCAN') {
          plan.docsExamined = await coll.estimatedDocumentCount();
          estimated = true;
        }
      }
      return {
        name: q.name,
        collection: q.collection,
        shape: shapeOf(filter),
        docsExaminedEstimated: estimated,
        ...plan,
      };
    } catch (err) {
      return {
        name: q.name,
        collection: q.collection,
        shape: shapeOf(filter),
        docsExaminedEstimated: false,
        access: 'unknown',
        index: null,
        docsExamined: null,
        keysExamined: null,
        returned: null,
        executionTimeMs: null,
        plan: [],
        error: (err as Error).message,
      };
    }
  }

  private async currentOps(slowMs: number): Promise<Optional<SlowOperation[]>> {
    const server = await this.server();
    if (server.kind === 'ferretdb') {
      return {
        supported: false,
        reason: 'not supported by this server (FerretDB answers currentOp with an empty list)',
      };
    }
    return optional(async () => {
      const res = (await this.db().admin().command({ currentOp: 1, active: true })) as {
        inprog?: Record<string, unknown>[];
      };
      return (res.inprog ?? [])
        .map((op) => ({
          op: String(op.op ?? ''),
          ns: String(op.ns ?? ''),
          millis: Math.round(Number(op.microsecs_running ?? 0) / 1000),
          command: op.command && typeof op.command === 'object' ? Object.keys(op.command)[0] : undefined,
        }))
        .filter((op) => op.millis >= slowMs && op.command !== 'currentOp')
        .sort((a, b) => b.millis - a.millis);
    });
  }

  private async profiler(
    slowMs: number,
  ): Promise<Optional<{ level: number; slowMs: number | null; slowest: SlowOperation[] }>> {
    return optional(async () => {
      const status = (await this.db().command({ profile: -1 })) as { was?: number; slowms?: number };
      const level = Number(status.was ?? 0);
      if (level === 0) return { level, slowMs: status.slowms ?? null, slowest: [] };
      const docs = await this.db()
        .collection('system.profile')
        .find({ ts: { $gte: new Date(Date.now() - 3_600_000) }, millis: { $gte: slowMs } })
        .sort({ millis: -1 })
        .limit(10)
        .toArray();
      return {
        level,
        slowMs: status.slowms ?? null,
        slowest: docs.map((d) => ({
          op: String(d.op ?? ''),
          ns: String(d.ns ?? ''),
          millis: Number(d.millis ?? 0),
          command: d.command && typeof d.command === 'object' ? Object.keys(d.command)[0] : undefined,
          at: d.ts instanceof Date ? d.ts.toISOString() : undefined,
          planSummary: typeof d.planSummary === 'string' ? d.planSummary : undefined,
        })),
      };
    });
  }

  private async collectionSize(name: string): Promise<CollectionSize> {
    let s: Record<string, unknown>;
    try {
      s = (await this.db().command({ collStats: name })) as Record<string, unknown>;
    } catch {
      // MongoDB 8 may drop the deprecated command: fall back to the $collStats stage.
      const [row] = await this.db()
        .collection(name)
        .aggregate([{ $collStats: { storageStats: {} } }])
        .toArray();
      s = (row?.storageStats ?? {}) as Record<string, unknown>;
    }
    const num = (v: unknown) => Number(v ?? 0) || 0;
    return {
      name,
      documents: num(s.count),
      dataBytes: num(s.size),
      storageBytes: num(s.storageSize),
      indexBytes: num(s.totalIndexSize),
      indexes: Object.fromEntries(
        Object.entries((s.indexSizes ?? {}) as Record<string, unknown>).map(([k, v]) => [k, num(v)]),
      ),
    };
  }

  private db() {
    const db = this.connection.db;
    if (!db) throw new Error('MongoDB is not connected');
    return db;
  }
}

class Unsupported extends Error {}

/** Runs a diagnostic; "command not found / not implemented" becomes "not supported by this server". */
async function optional<T>(fn: () => Promise<T>): Promise<Optional<T>> {
  try {
    return { supported: true, value: await withTimeout(fn(), STEP_TIMEOUT_MS, 'diagnostic') };
  } catch (err) {
    const e = err as { code?: number; codeName?: string; message?: string };
    if (
      err instanceof Unsupported ||
      e.code === 59 ||
      e.code === 115 ||
      e.code === 238 ||
      e.codeName === 'CommandNotFound'
    ) {
      return { supported: false, reason: 'not supported by this server' };
    }
    return { supported: false, reason: `not available: ${e.message ?? String(err)}` };
  }
}

/** `{ownerId: ObjectId, deletedAt: null, rangeStart: {$lt: Date}, …}`: the filter without its values. */
export function shapeOf(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return 'Date';
  if (value instanceof Types.ObjectId) return 'ObjectId';
  if (Array.isArray(value)) return `[${value.map(shapeOf).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${shapeOf(v)}`)
      .join(', ')}}`;
  }
  return typeof value;
}
