import type { mongo } from 'mongoose';

export const MIGRATION_LOCKS_COLLECTION = 'migration_locks';

const DUPLICATE_KEY = 11000;

/**
 * One taking of the lock. `_id` is the generation: each taker inserts the number after the newest
 * document's, so an `_id` is inserted once ever and a duplicate key means another process took the
 * lock first. A released or expired generation stays as the newest document until the next taker
 * inserts its successor (and removes the older ones), so numbers only grow.
 */
export interface MigrationLockDoc {
  _id: number;
  holder: string;
  acquiredAt: Date;
  /** The lease: renewed while the holder works; past it (server time) anyone may take over. */
  expiresAt: Date;
  releasedAt: Date | null;
  /** The holder whose expired lease this taking ended. */
  tookOverFrom?: string;
}

export interface MigrationLockOptions {
  holder: string;
  leaseMs: number;
  /** How often a waiter looks again. */
  pollMs: number;
  /** How long a waiter waits in all before it gives up (MigrationLockTimeoutError). */
  waitTimeoutMs: number;
  /** Called when a waiter first sees a (new) holder. */
  onWait?: (held: MigrationLockDoc) => void;
}

export class MigrationLockTimeoutError extends Error {}
export class MigrationLockLostError extends Error {}

/** The server's clock (hello.localTime), so replicas with skewed clocks agree on when a lease ends. */
async function serverNow(db: mongo.Db): Promise<Date> {
  const hello = (await db.command({ hello: 1 })) as { localTime?: unknown };
  return hello.localTime instanceof Date ? hello.localTime : new Date();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The schema-migration lock: at most one process migrates a database at a time, across replicas.
 *
 * Built on inserts only: FerretDB 1.24 refuses a duplicate `_id` atomically but runs a conditional
 * update or delete as a read and a separate write, so two takers could both "win" a compare-and-set.
 * Here a taker never changes another holder's document: it inserts the next generation. A holder
 * renews its own lease (only while the lease has not yet run out), and a stale lease (a holder that
 * died) is taken over by inserting the next generation once it has expired.
 */
export class MigrationLock {
  private generation: number | null = null;
  /**
   * When the lease ends by this process's clock: the lease's length from before the server read
   * the time it wrote, so it comes no later than the server-side expiry others go by.
   */
  private localDeadline = 0;
  private lostReason: string | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;

  constructor(
    private readonly db: mongo.Db,
    private readonly options: MigrationLockOptions,
  ) {}

  private get collection(): mongo.Collection<MigrationLockDoc> {
    return this.db.collection<MigrationLockDoc>(MIGRATION_LOCKS_COLLECTION);
  }

  /** The newest generation, held or not (null before the first migration). */
  static newest(db: mongo.Db): Promise<MigrationLockDoc | null> {
    return db.collection<MigrationLockDoc>(MIGRATION_LOCKS_COLLECTION).findOne({}, { sort: { _id: -1 } });
  }

  /** The current holder, or null when the lock is free (released, expired or never taken). */
  static async heldBy(db: mongo.Db): Promise<MigrationLockDoc | null> {
    const newest = await MigrationLock.newest(db);
    if (!newest || newest.releasedAt) return null;
    return newest.expiresAt > (await serverNow(db)) ? newest : null;
  }

  /** Takes the lock, waiting (polling) while another process holds it; renews the lease until released. */
  async acquire(): Promise<{ waitedMs: number; tookOverFrom?: string }> {
    const started = Date.now();
    let seen: string | null = null;
    for (;;) {
      const attempt = await this.tryAcquire();
      if (attempt.acquired) {
        this.renewTimer = setInterval(() => void this.renew(), Math.max(10, this.options.leaseMs / 3));
        this.renewTimer.unref();
        return { waitedMs: Date.now() - started, tookOverFrom: attempt.tookOverFrom };
      }
      const held = attempt.heldBy;
      if (held && held.holder !== seen) {
        seen = held.holder;
        this.options.onWait?.(held);
      }
      const waited = Date.now() - started;
      if (waited >= this.options.waitTimeoutMs) {
        const by = held
          ? `held by ${held.holder} since ${held.acquiredAt.toISOString()}, lease until ${held.expiresAt.toISOString()}`
          : 'taken by others in turn';
        throw new MigrationLockTimeoutError(
          `gave up after ${Math.round(waited / 1000)} s waiting for the schema-migration lock (${by}): ` +
            'another process is still migrating, or it stopped and its lease has yet to run out ' +
            '(then the next attempt takes over)',
        );
      }
      // Lost a race for the next generation: look again at once; otherwise wait for the holder.
      if (held) await sleep(this.options.pollMs);
    }
  }

  private async tryAcquire(): Promise<
    { acquired: true; tookOverFrom?: string } | { acquired: false; heldBy: MigrationLockDoc | null }
  > {
    const newest = await MigrationLock.newest(this.db);
    const asked = Date.now();
    const now = await serverNow(this.db);
    if (newest && !newest.releasedAt && newest.expiresAt > now) return { acquired: false, heldBy: newest };
    const generation = (newest?._id ?? 0) + 1;
    const tookOverFrom = newest && !newest.releasedAt ? newest.holder : undefined;
    const expiresAt = new Date(now.getTime() + this.options.leaseMs);
    try {
      await this.collection.insertOne({
        _id: generation,
        holder: this.options.holder,
        acquiredAt: now,
        expiresAt,
        releasedAt: null,
        ...(tookOverFrom ? { tookOverFrom } : {}),
      });
    } catch (err) {
      if ((err as { code?: unknown }).code === DUPLICATE_KEY) return { acquired: false, heldBy: null };
      throw err;
    }
    // A taker that read long ago may insert a number whose document was since removed: only the
    // newest generation holds the lock.
    const after = await MigrationLock.newest(this.db);
    if (after?._id !== generation) {
      await this.collection.deleteOne({ _id: generation, holder: this.options.holder });
      return { acquired: false, heldBy: null };
    }
    this.generation = generation;
    this.localDeadline = asked + this.options.leaseMs;
    this.lostReason = null;
    // Older generations are history; nobody inserts below the newest, so they can go.
    await this.collection.deleteMany({ _id: { $lt: generation } });
    return { acquired: true, tookOverFrom };
  }

  private renew(): Promise<void> {
    this.renewing ??= this.doRenew().finally(() => (this.renewing = null));
    return this.renewing;
  }

  private async doRenew(): Promise<void> {
    const generation = this.generation;
    if (generation === null || this.lostReason) return;
    const asked = Date.now();
    // Never renew a lease that has run out: another process may have taken over already.
    if (asked >= this.localDeadline - Math.min(1000, this.options.leaseMs / 10)) {
      this.lose('its lease ran out before it could be renewed');
      return;
    }
    try {
      const now = await serverNow(this.db);
      const result = await this.collection.updateOne(
        { _id: generation, holder: this.options.holder },
        { $set: { expiresAt: new Date(now.getTime() + this.options.leaseMs) } },
      );
      // Renewing a generation that is no longer the newest renews nothing.
      if (result.matchedCount !== 1 || (await MigrationLock.newest(this.db))?._id !== generation)
        this.lose('another process took it over');
      else this.localDeadline = asked + this.options.leaseMs;
    } catch {
      // A failed renewal is retried at the next tick; the lease says how long that may go on.
    }
  }

  private lose(reason: string): void {
    this.lostReason = reason;
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
  }

  /** Throws when this process no longer holds the lock (a migration checks between batches). */
  assertHeld(): void {
    if (this.generation === null) throw new MigrationLockLostError('the schema-migration lock is not held');
    if (this.lostReason)
      throw new MigrationLockLostError(`this process lost the schema-migration lock: ${this.lostReason}`);
    if (Date.now() >= this.localDeadline)
      throw new MigrationLockLostError(
        'this process lost the schema-migration lock: its lease ran out before it could be renewed',
      );
  }

  /** Ends the lease (the document stays as the newest generation, marked released). */
  async release(): Promise<void> {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
    await this.renewing;
    const generation = this.generation;
    this.generation = null;
    if (generation === null || this.lostReason) return;
    const now = await serverNow(this.db);
    await this.collection.updateOne(
      { _id: generation, holder: this.options.holder },
      { $set: { releasedAt: now, expiresAt: now } },
    );
  }
}
