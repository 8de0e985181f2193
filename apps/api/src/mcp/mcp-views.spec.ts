import { busyView, when } from './mcp-views';

describe('MCP time views', () => {
  const timed = {
    allDay: false,
    start: '2026-03-29T00:30:00.000Z',
    end: '2026-03-29T01:30:00.000Z',
    startLocal: '2026-03-29T01:30:00+01:00',
    endLocal: '2026-03-29T03:30:00+02:00',
  };

  it('gives a timed start and end the UTC instant, the local reading and the zone (across a DST change)', () => {
    expect(when(timed, 'Europe/Berlin')).toEqual({
      start: { utc: timed.start, local: timed.startLocal, timeZone: 'Europe/Berlin' },
      end: { utc: timed.end, local: timed.endLocal, timeZone: 'Europe/Berlin' },
    });
  });

  it('gives an all-day event dates only (the end exclusive), never instants', () => {
    const allDay = { ...timed, allDay: true, startDate: '2026-03-29', endDate: '2026-03-30' };
    expect(when(allDay, 'Europe/Berlin')).toEqual({
      start: { date: '2026-03-29' },
      end: { date: '2026-03-30' },
    });
  });

  it('reads a busy interval the same way', () => {
    expect(busyView(timed, 'Europe/Berlin').end).toEqual({
      utc: timed.end,
      local: timed.endLocal,
      timeZone: 'Europe/Berlin',
    });
  });
});
