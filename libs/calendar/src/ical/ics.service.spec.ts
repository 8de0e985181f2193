import { ValidationError } from '@app/common';
import { Types } from 'mongoose';
import { toState } from '../events/event.mapper';
import type { EventState } from '../events/event.repository';
import type { EventRecord } from '../events/event.schema';
import { IcsService } from './ics.service';

const OWNER = {
  id: new Types.ObjectId().toHexString(),
  email: 'owner@example.com',
  timeZone: 'Europe/Berlin',
};

/** A fake that fails on any call it was not given an answer for (strict, like Immich's automocks). */
function strict<T extends object>(name: string, impl: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(impl as T, {
    get(target, prop) {
      if (prop in target) return (target as Record<string | symbol, unknown>)[prop];
      if (prop === 'then') return undefined;
      throw new Error(`unexpected call ${name}.${String(prop)}`);
    },
  });
}

function record(uid: string, title: string, version: number): EventRecord {
  const start = new Date('2027-05-03T08:00:00Z');
  const state = toState(
    {
      start,
      end: new Date(start.getTime() + 3600_000),
      timeZone: 'Europe/Berlin',
      allDay: false,
      recurrence: null,
      exdates: [],
      overrides: [],
      fields: { title },
    },
    { uid },
  );
  return {
    ...state,
    uid,
    _id: new Types.ObjectId(),
    calendarId: new Types.ObjectId(OWNER.id),
    ownerId: new Types.ObjectId(OWNER.id),
    version,
    deletedAt: null,
    createdAt: new Date(),
    updatedAt: new Date(),
  } as EventRecord;
}

const ics = (...events: [uid: string, title: string][]) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    ...events.flatMap(([uid, title]) => [
      'BEGIN:VEVENT',
      `UID:${uid}`,
      'DTSTART;TZID=Europe/Berlin:20270503T100000',
      'DTEND;TZID=Europe/Berlin:20270503T110000',
      `SUMMARY:${title}`,
      'END:VEVENT',
    ]),
    'END:VCALENDAR',
  ].join('\r\n');

describe('IcsService.importCalendar', () => {
  function setup(existing: EventRecord[], insert: (state: EventState) => Promise<EventRecord>) {
    const calls: string[] = [];
    const outcomes: string[] = [];
    const published: unknown[] = [];
    const events = strict('EventRepository', {
      insert: async (_at: unknown, state: EventState) => {
        calls.push(`insert ${state.uid}`);
        return insert(state);
      },
      replaceIfVersion: async (_owner: string, id: string, version: number, state: EventState) => {
        calls.push(`replace ${id} v${version} ${state.title}`);
        const prev =
          existing.find((e) => String(e._id) === id) ??
          ({
            ...record(String(state.uid), state.title, version),
            _id: new Types.ObjectId(id),
          } as EventRecord);
        return { ...prev, ...state, version: version + 1 };
      },
      softDeleteIfVersion: async (_owner: string, id: string, version: number) => {
        calls.push(`softDelete ${id} v${version}`);
        return true;
      },
    });
    const service = new IcsService(
      strict('EventReadRepository', { liveByUids: async () => existing }) as never,
      events as never,
      strict('CalendarAccessService', {
        require: async () => ({ calendarId: OWNER.id, ownerId: OWNER.id, role: 'owner' }),
        invalidateReaders: async () => undefined,
      }) as never,
      strict('CalendarRepository', {}) as never,
      strict('EventChangePublisher', { publish: async (c: unknown) => void published.push(c) }) as never,
      strict('Counter', {
        inc: (labels: { outcome: string }) => void outcomes.push(labels.outcome),
      }) as never,
    );
    return { service, calls, outcomes, published };
  }

  it('rolls back what it created and updated when a write fails midway, and reports nothing published', async () => {
    const a = record('a@test', 'A', 3);
    let inserted = 0;
    const { service, calls, outcomes, published } = setup([a], async (state) => {
      if (state.uid === 'c@test') throw new Error('connection reset');
      inserted++;
      return { ...record(String(state.uid), state.title, 1) };
    });
    await expect(
      service.importCalendar(OWNER, ics(['a@test', 'A changed'], ['b@test', 'B'], ['c@test', 'C'])),
    ).rejects.toThrow('connection reset');
    expect(inserted).toBe(1);
    // The update of A is undone with A's previous state, the created B is deleted again.
    expect(calls).toEqual(
      expect.arrayContaining([
        `replace ${String(a._id)} v3 A changed`,
        'insert b@test',
        'insert c@test',
        `replace ${String(a._id)} v4 A`,
        expect.stringMatching(/^softDelete [0-9a-f]{24} v1$/),
      ]),
    );
    expect(calls).toHaveLength(5);
    expect(outcomes).toEqual(['failed']);
    expect(published).toEqual([]);
  });

  it('validates the whole file before the first write', async () => {
    const { service, calls, outcomes } = setup([], async () => {
      throw new Error('must not write');
    });
    const broken = ics(['ok@test', 'Fine']).replace(
      'END:VCALENDAR',
      'BEGIN:VEVENT\r\nUID:bad@test\r\nDTSTART:20270231T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR',
    );
    const err = await service.importCalendar(OWNER, broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(
      /bad@test.*DTSTART "20270231T100000Z" is not a valid date or date-time/,
    );
    expect(calls).toEqual([]);
    expect(outcomes).toEqual(['invalid']);
  });

  it('skips unchanged events and publishes what it wrote', async () => {
    const a = record('a@test', 'A', 1);
    const { service, calls, published } = setup([a], async (state) =>
      record(String(state.uid), state.title, 1),
    );
    const result = await service.importCalendar(OWNER, ics(['a@test', 'A'], ['n@test', 'New']));
    expect(result).toEqual({ created: 1, updated: 0, skipped: [{ uid: 'a@test', reason: 'unchanged' }] });
    expect(calls).toEqual(['insert n@test']);
    expect(published).toEqual([[expect.objectContaining({ type: 'event.created' })]]);
  });
});
