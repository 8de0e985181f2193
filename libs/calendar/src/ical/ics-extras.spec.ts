import { alarmsStandFor, readExtras } from './ics-extras';

const text = (extra: string, calendar = '') =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    ...(calendar ? [calendar] : []),
    'BEGIN:VEVENT',
    'UID:a',
    'DTSTAMP:20270101T000000Z',
    'DTSTART:20270310T090000Z',
    'DTEND:20270310T100000Z',
    'SUMMARY:Flight',
    ...(extra ? [extra] : []),
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:a',
    'RECURRENCE-ID:20270317T090000Z',
    'DTSTAMP:20270101T000000Z',
    'DTSTART:20270317T090000Z',
    'X-OVERRIDE-ONLY:1',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

describe('readExtras', () => {
  it("keeps the calendar's and the series VEVENT's unmodelled properties and its VALARMs, not the modelled ones", () => {
    const extras = readExtras(
      text(
        'X-APPLE-TRAVEL:1\r\nCATEGORIES:Work\r\nBEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:-PT15M\r\nEND:VALARM',
      ),
      'a',
      [15],
    );
    expect(extras?.calendar).toEqual([]);
    expect(extras?.event).toEqual(['X-APPLE-TRAVEL:1', 'CATEGORIES:Work']);
    expect(extras?.alarms).toHaveLength(1);
    expect(extras?.alarms[0]).toContain('ACTION:AUDIO');
    expect(extras?.alarmReminders).toEqual([15]);
    expect(readExtras(text('', 'X-WR-CALNAME:Trips'), 'a', [])?.calendar).toEqual(['X-WR-CALNAME:Trips']);
  });

  it('has nothing to keep for an object of modelled properties only, or for another UID', () => {
    expect(readExtras(text(''), 'a', [])).toBeNull();
    expect(readExtras(text('X-A:1'), 'b', [])).toBeNull();
  });

  it('gives the VALARMs back only while the reminders are the ones they stood for', () => {
    const extras = readExtras(
      text('BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nEND:VALARM'),
      'a',
      [10],
    );
    expect(extras && alarmsStandFor(extras, [10])).toBe(true);
    expect(extras && alarmsStandFor(extras, [30])).toBe(false);
  });
});
