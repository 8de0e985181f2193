import { IcsFormatError, readCalendar } from './ics-reader';

const vevent = (uid: string, ...lines: string[]) => ['BEGIN:VEVENT', `UID:${uid}`, ...lines, 'END:VEVENT'];
const calendar = (...events: string[][]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//spec//EN', ...events.flat(), 'END:VCALENDAR'].join('\r\n');

const weekly = (uid: string, title: string) =>
  vevent(
    uid,
    'DTSTART;TZID=Europe/Berlin:20270503T100000',
    'DTEND;TZID=Europe/Berlin:20270503T110000',
    'RRULE:FREQ=WEEKLY;COUNT=4',
    `SUMMARY:${title}`,
  );
const moved = (uid: string, recurrenceId: string, start: string, title: string) =>
  vevent(
    uid,
    `RECURRENCE-ID;TZID=Europe/Berlin:${recurrenceId}`,
    `DTSTART;TZID=Europe/Berlin:${start}`,
    `DTEND;TZID=Europe/Berlin:${start.replace('T10', 'T11').replace('T14', 'T15')}`,
    `SUMMARY:${title}`,
  );

describe('readCalendar: changed occurrences', () => {
  it('relates each RECURRENCE-ID VEVENT to the series of its UID, wherever it is in the file', () => {
    const text = calendar(
      moved('b', '20270510T100000', '20270510T140000', 'B moved'),
      weekly('a', 'A'),
      moved('orphan', '20270510T100000', '20270510T140000', 'No series'),
      moved('a', '20270517T100000', '20270517T140000', 'A moved'),
      weekly('b', 'B'),
    );
    const { events, skipped } = readCalendar(text, 'Europe/Berlin');
    const overrides = Object.fromEntries(
      events.map((e) => [
        e.uid,
        e.series.overrides?.map((o) => [
          o.originalStart.toISOString(),
          o.start?.toISOString(),
          o.fields?.title,
        ]),
      ]),
    );
    expect(overrides).toEqual({
      a: [['2027-05-17T08:00:00.000Z', '2027-05-17T12:00:00.000Z', 'A moved']],
      b: [['2027-05-10T08:00:00.000Z', '2027-05-10T12:00:00.000Z', 'B moved']],
    });
    expect(skipped).toEqual([
      { uid: 'orphan', reason: 'changed occurrences (RECURRENCE-ID) without their series in the file' },
    ]);
  });

  it('refuses a RECURRENCE-ID written twice, naming both lines', () => {
    const text = calendar(
      weekly('a', 'A'),
      moved('a', '20270510T100000', '20270510T140000', 'First'),
      moved('a', '20270510T100000', '20270510T100000', 'Second'),
    );
    expect(() => readCalendar(text, 'Europe/Berlin')).toThrow(IcsFormatError);
    expect(() => readCalendar(text, 'Europe/Berlin')).toThrow(
      'Invalid iCalendar: event a (line 4): RECURRENCE-ID 2027-05-10T10:00:00 appears twice (lines 11 and 18)',
    );
  });

  it('refuses an unreadable RECURRENCE-ID, naming its line', () => {
    const text = calendar(weekly('a', 'A'), vevent('a', 'RECURRENCE-ID:garbage', 'DTSTART:20270510T140000Z'));
    expect(() => readCalendar(text, 'Europe/Berlin')).toThrow(
      /event a \(line 4\): RECURRENCE-ID \(line 11\)/,
    );
  });
});

describe('readCalendar: characters iCalendar does not allow', () => {
  it('refuses a NUL in a content line, naming its line, before reading any event', () => {
    const text = calendar(weekly('a', 'A'), weekly('b', 'B\u0000'));
    expect(() => readCalendar(text, 'Europe/Berlin')).toThrow(
      new IcsFormatError(
        'Invalid iCalendar: line 16: a NUL character (U+0000), which iCalendar does not allow',
        [],
      ),
    );
  });
});
