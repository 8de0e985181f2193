import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { toEventResponse } from '../events/event.mapper';
import type { CalendarOwner } from '../events/event.service';
import { EventReadRepository } from './event-read.repository';
import { planSync, SYNC_SETTLE_MS, SyncPosition, SyncTokenCodec } from './sync-token';
import type { SyncResponse } from './sync.dto';

/**
 * Incremental sync, as Google Calendar's: without a token, every live event and a token; with one,
 * what changed since (created and updated events, deleted ones as tombstones `{id, deleted: true}`)
 * and a new token. Changes are read from the events collection itself in (updatedAt, _id) order —
 * soft deletes keep tombstones — so no write path has to record anything extra. Expired or forged
 * tokens are Gone (410).
 */
@Injectable()
export class EventSyncService {
  private readonly codec: SyncTokenCodec;

  constructor(
    private readonly reads: EventReadRepository,
    config: AppConfig,
  ) {
    this.codec = new SyncTokenCodec(config.jwt.secret);
  }

  async sync(
    owner: CalendarOwner,
    syncToken: string | undefined,
    limit = 500,
    now = Date.now(),
  ): Promise<SyncResponse> {
    const prev: SyncPosition = syncToken
      ? this.codec.decode(syncToken, owner.id, now)
      : { u: owner.id, t: 0, r: [], f: true, s: now, iat: now };
    // Full sync: the first page has live events only; later pages also the tombstones of events that
    // may have been delivered live on an earlier page. Incremental: every change, tombstones included.
    const tombstonesSince = !syncToken ? null : prev.f ? prev.s - SYNC_SETTLE_MS : 0;
    const records = await this.reads.changedSince(
      owner.id,
      prev.t,
      limit + prev.r.length + 1,
      tombstonesSince,
    );
    const refs = records.map((record) => ({
      id: String(record._id),
      version: record.version,
      t: new Date(record.updatedAt).getTime(),
      record,
    }));
    const { deliver, hasMore, next } = planSync(prev, refs, limit, now);
    return {
      items: deliver.map(({ record }) =>
        record.deletedAt
          ? { id: String(record._id), uid: record.uid, deleted: true as const }
          : toEventResponse(record, owner.timeZone),
      ),
      nextSyncToken: this.codec.encode({ ...next, u: owner.id, s: prev.s, iat: now }),
      hasMore,
      fullSync: prev.f,
    };
  }

  /** For tests and tooling: a token as the service would issue it. */
  get tokens(): SyncTokenCodec {
    return this.codec;
  }
}
