import { Injectable } from '@nestjs/common';
import { ValidationError } from '@app/common';
import { CacheService } from '@app/cache';
import { expandOccurrences } from '../recurrence/expand';
import { OccurrencePage } from './event.dto';
import { EventOccurrence, EventSeries, toOccurrenceResponse, toSeries } from './event.mapper';
import { EventRepository } from './event.repository';

export interface SeriesOccurrence {
  occurrence: EventOccurrence;
  series: EventSeries;
}

const LIST_CACHE_TTL_MS = 60_000;

/** Orders occurrences by start, then series, then original start: a total order for cursors. */
function compare(a: EventOccurrence, b: EventOccurrence): number {
  return (
    a.start.getTime() - b.start.getTime() ||
    (a.seriesId < b.seriesId ? -1 : a.seriesId > b.seriesId ? 1 : 0) ||
    a.originalStart.getTime() - b.originalStart.getTime()
  );
}

type CursorKey = [number, string, number];

function encodeCursor(o: EventOccurrence): string {
  const key: CursorKey = [o.start.getTime(), o.seriesId, o.originalStart.getTime()];
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): CursorKey {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === 3 &&
      typeof key[0] === 'number' &&
      typeof key[1] === 'string' &&
      typeof key[2] === 'number'
    ) {
      return key as CursorKey;
    }
  } catch {
    /* fall through */
  }
  throw new ValidationError('Invalid cursor: cursor must be a value returned as nextCursor', [
    { field: 'cursor', message: 'must be a value returned as nextCursor' },
  ]);
}

/** Window reads: the caller's occurrences overlapping [from, to), recurring series expanded. */
@Injectable()
export class EventQueryService {
  constructor(
    private readonly events: EventRepository,
    private readonly cache: CacheService,
  ) {}

  /** Every occurrence of the owner's live events overlapping [from, to), sorted. */
  async occurrences(
    ownerId: string,
    from: Date,
    to: Date,
    opts: { excludeId?: string } = {},
  ): Promise<SeriesOccurrence[]> {
    const records = await this.events.findInRange(ownerId, from, to, opts.excludeId);
    const out: SeriesOccurrence[] = [];
    for (const record of records) {
      const series = toSeries(record);
      for (const occurrence of expandOccurrences(series, { from, to }).occurrences)
        out.push({ occurrence, series });
    }
    return out.sort((a, b) => compare(a.occurrence, b.occurrence));
  }

  /** One page of occurrences, read through the per-user cache (invalidated by every write). */
  async page(ownerId: string, q: PageQuery): Promise<OccurrencePage> {
    return this.cache.getOrLoad('events', ownerId, pageKey(q), LIST_CACHE_TTL_MS, () =>
      this.loadPage(ownerId, q),
    );
  }

  /** The same page as its JSON, sent as is when it comes from the cache (the list route). */
  async pageJson(ownerId: string, q: PageQuery): Promise<Buffer> {
    return this.cache.getOrLoadJson('events', ownerId, pageKey(q), LIST_CACHE_TTL_MS, () =>
      this.loadPage(ownerId, q),
    );
  }

  private async loadPage(ownerId: string, q: PageQuery): Promise<OccurrencePage> {
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    let all = await this.occurrences(ownerId, q.from, q.to);
    if (after) {
      const [start, seriesId, original] = after;
      const pivot = {
        start: new Date(start),
        seriesId,
        originalStart: new Date(original),
      } as EventOccurrence;
      all = all.filter((x) => compare(x.occurrence, pivot) > 0);
    }
    const items = all.slice(0, q.limit);
    const last = items.at(-1);
    return {
      items: items.map((x) => toOccurrenceResponse(x.occurrence, x.series, q.zone)),
      nextCursor: all.length > q.limit && last ? encodeCursor(last.occurrence) : null,
      timeZone: q.zone,
    };
  }
}

export interface PageQuery {
  from: Date;
  to: Date;
  zone: string;
  cursor?: string;
  limit: number;
}

const pageKey = (q: PageQuery) =>
  `${q.from.toISOString()}|${q.to.toISOString()}|${q.zone}|${q.cursor ?? ''}|${q.limit}`;
