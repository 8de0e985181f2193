import { Plan, PlanSchema } from '../plan/plan.schema';
import { OfflineInterpreter } from './offline.interpreter';

// Reference moments (weekday in the zone in brackets).
const NY_MON = { now: '2026-03-02T09:00:00-05:00', timeZone: 'America/New_York' }; // Mon 2 Mar 2026
const NY_FRI = { now: '2026-03-06T16:00:00-05:00', timeZone: 'America/New_York' }; // Fri 6 Mar 2026
const NY_SAT_DST = { now: '2026-03-07T20:00:00-05:00', timeZone: 'America/New_York' }; // Sat, DST starts Sun 8 Mar
const BERLIN_FRI_DST = { now: '2026-03-27T16:00:00+01:00', timeZone: 'Europe/Berlin' }; // Fri, DST starts Sun 29 Mar
const BERLIN_SAT_FALL = { now: '2026-10-24T10:00:00+02:00', timeZone: 'Europe/Berlin' }; // Sat, DST ends Sun 25 Oct
const LONDON_SAT_FALL = { now: '2026-10-24T11:00:00+01:00', timeZone: 'Europe/London' }; // Sat, DST ends Sun 25 Oct
const LONDON_SUN = { now: '2026-10-25T12:00:00+00:00', timeZone: 'Europe/London' }; // Sun 25 Oct
const LA_NYE = { now: '2026-12-31T10:00:00-08:00', timeZone: 'America/Los_Angeles' }; // Thu 31 Dec 2026
const TOKYO_DEC30 = { now: '2026-12-30T09:00:00+09:00', timeZone: 'Asia/Tokyo' }; // Wed 30 Dec 2026

const interpreter = new OfflineInterpreter();
type Context = { now: string; timeZone: string };

function plan(text: string, ctx: Context): Plan {
  const result = interpreter.interpret({ text, ...ctx });
  expect(PlanSchema.safeParse(result).success).toBe(true);
  return result;
}

describe('OfflineInterpreter conventions (docs/assistant-contract.md)', () => {
  describe('1. today is the date of now in the request zone', () => {
    it('uses the zone, not the offset of now, to find today', () => {
      // 03:30 UTC on 3 Mar is still 2 Mar in New York.
      const p = plan('Dentist tomorrow at 10', { now: '2026-03-03T03:30:00Z', timeZone: 'America/New_York' });
      expect(p.event?.start).toBe('2026-03-03T10:00:00-05:00');
    });
  });

  describe('2. duration', () => {
    it('defaults to 60 minutes', () => {
      const p = plan('Standup tomorrow at 3pm', NY_MON);
      expect(p.event).toMatchObject({ start: '2026-03-03T15:00:00-05:00', end: '2026-03-03T16:00:00-05:00' });
    });
    it('reads "for 90 minutes", "for 2 hours" and "a 30 minute call"', () => {
      expect(plan('Workshop on Thursday at 10 for 90 minutes', NY_MON).event?.end).toBe(
        '2026-03-05T11:30:00-05:00',
      );
      expect(plan('Hackday on Thursday at 10 for 2 hours', NY_MON).event?.end).toBe(
        '2026-03-05T12:00:00-05:00',
      );
      const call = plan('a 30 minute call with Dana on Thursday at 11', NY_MON).event;
      expect(call).toMatchObject({ title: 'Call with Dana', end: '2026-03-05T11:30:00-05:00' });
    });
    it('puts an end before the start on the next day', () => {
      const p = plan('Gig on Friday from 9pm to 12:30am', NY_MON);
      expect(p.event).toMatchObject({ start: '2026-03-06T21:00:00-05:00', end: '2026-03-07T00:30:00-05:00' });
    });
  });

  describe('3. all-day events', () => {
    it('makes a date without a time an all-day event ending at the next midnight', () => {
      const p = plan('Retreat from Sept 2 to Sept 4', NY_MON);
      expect(p.event).toMatchObject({
        allDay: true,
        start: '2026-09-02T00:00:00-04:00',
        end: '2026-09-05T00:00:00-04:00',
      });
    });
  });

  describe('4. hours without am/pm', () => {
    it.each([
      ['Call at 1', '2026-03-02T13:00:00-05:00'],
      ['Call at 6', '2026-03-02T18:00:00-05:00'],
      ['Call at 7', '2026-03-03T07:00:00-05:00'],
      ['Call at 11', '2026-03-02T11:00:00-05:00'],
      ['Call at 12', '2026-03-02T12:00:00-05:00'],
      ['Call at 17:00', '2026-03-02T17:00:00-05:00'],
      ['Call at noon', '2026-03-02T12:00:00-05:00'],
      ['Call tomorrow morning', '2026-03-03T09:00:00-05:00'],
      ['Call this afternoon', '2026-03-02T14:00:00-05:00'],
      ['Call tomorrow evening', '2026-03-03T18:00:00-05:00'],
      ['Call tonight', '2026-03-02T19:00:00-05:00'],
    ])('%s', (text, start) => {
      expect(plan(text, NY_MON).event?.start).toBe(start);
    });
  });

  describe('5. a time with no date', () => {
    it('is today while still ahead, else tomorrow', () => {
      expect(plan('Run at 4pm', NY_FRI).event?.start).toBe('2026-03-07T16:00:00-05:00');
      expect(plan('Run at 5pm', NY_FRI).event?.start).toBe('2026-03-06T17:00:00-05:00');
    });
  });

  describe('6. weekday names', () => {
    it('"Friday" on a Friday is the next Friday', () => {
      expect(plan('Demo on Friday at 10am', NY_FRI).event?.start).toBe('2026-03-13T10:00:00-04:00');
    });
    it('"next Friday" is the Friday of next week', () => {
      expect(plan('Demo next Friday at 10am', NY_MON).event?.start).toBe('2026-03-13T10:00:00-04:00');
      expect(plan('Demo Friday at 10am', NY_MON).event?.start).toBe('2026-03-06T10:00:00-05:00');
    });
  });

  describe('7. dates without a year', () => {
    it('takes the next such date on or after today', () => {
      expect(plan('Review on March 2 at 3', NY_MON).event?.start).toBe('2026-03-02T15:00:00-05:00');
      expect(plan('Review on March 1 at 3', NY_MON).event?.start).toBe('2027-03-01T15:00:00-05:00');
      expect(plan('Rent due on the 1st', NY_MON).event?.start).toBe('2026-04-01T00:00:00-04:00');
      expect(plan('Dinner on the 14th at 8pm', NY_MON).event?.start).toBe('2026-03-14T20:00:00-04:00');
    });
  });

  describe('8. relative times', () => {
    it('adds the span to now', () => {
      expect(plan('Stretch in 45 minutes', NY_MON).event?.start).toBe('2026-03-02T09:45:00-05:00');
      expect(plan('Call the bank in 2 hours', NY_MON).event?.start).toBe('2026-03-02T11:00:00-05:00');
    });
  });

  describe('9. spans', () => {
    const window = (text: string, ctx: Context) => plan(text, ctx).window;
    it('a day, a weekday or a date is that local day', () => {
      expect(window("What's on today?", NY_MON)).toEqual({
        from: '2026-03-02T00:00:00-05:00',
        to: '2026-03-03T00:00:00-05:00',
      });
      expect(window("What's on Thursday?", NY_MON)?.from).toBe('2026-03-05T00:00:00-05:00');
      expect(window('Do I have anything on March 20?', NY_MON)?.from).toBe('2026-03-20T00:00:00-04:00');
    });
    it('this week and next week run Monday to Monday', () => {
      expect(window('What do I have this week?', NY_FRI)).toEqual({
        from: '2026-03-02T00:00:00-05:00',
        to: '2026-03-09T00:00:00-04:00',
      });
      expect(window('Show me my meetings next week', NY_FRI)).toEqual({
        from: '2026-03-09T00:00:00-04:00',
        to: '2026-03-16T00:00:00-04:00',
      });
    });
    it('this weekend is the coming or current Saturday to Monday', () => {
      expect(window('What do I have this weekend?', NY_MON)).toEqual({
        from: '2026-03-07T00:00:00-05:00',
        to: '2026-03-09T00:00:00-04:00',
      });
      expect(window('What do I have this weekend?', LONDON_SUN)).toEqual({
        from: '2026-10-24T00:00:00+01:00',
        to: '2026-10-26T00:00:00+00:00',
      });
    });
    it('"between June 1 and June 5" ends at the start of June 6', () => {
      expect(window('List my events between June 1 and June 5', NY_MON)).toEqual({
        from: '2026-06-01T00:00:00-04:00',
        to: '2026-06-06T00:00:00-04:00',
      });
    });
    it('find_free uses the same spans and 60 minutes by default', () => {
      expect(plan('When am I free on Friday?', NY_MON)).toMatchObject({
        intent: 'find_free',
        durationMinutes: 60,
        window: { from: '2026-03-06T00:00:00-05:00', to: '2026-03-07T00:00:00-05:00' },
      });
      expect(plan('Find a 2 hour slot this week', NY_FRI)).toMatchObject({
        intent: 'find_free',
        durationMinutes: 120,
        window: { from: '2026-03-02T00:00:00-05:00', to: '2026-03-09T00:00:00-04:00' },
      });
    });
  });

  describe('10. recurrence', () => {
    it.each([
      ['Journal daily at 9pm', 'FREQ=DAILY', '2026-03-02T21:00:00-05:00'],
      ['Walk every day at 7am', 'FREQ=DAILY', '2026-03-03T07:00:00-05:00'],
      ['Standup every weekday at 9:30', 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', '2026-03-02T09:30:00-05:00'],
      ['Swim every Tuesday and Thursday at 7am', 'FREQ=WEEKLY;BYDAY=TU,TH', '2026-03-03T07:00:00-05:00'],
      ['Choir on Thursdays at 7pm', 'FREQ=WEEKLY;BYDAY=TH', '2026-03-05T19:00:00-05:00'],
      ['Sync weekly on Fridays at 3', 'FREQ=WEEKLY;BYDAY=FR', '2026-03-06T15:00:00-05:00'],
      ['Review the first Monday of every month at 10', 'FREQ=MONTHLY;BYDAY=1MO', '2026-03-02T10:00:00-05:00'],
      [
        'Retro every other week on Friday at 4',
        'FREQ=WEEKLY;INTERVAL=2;BYDAY=FR',
        '2026-03-06T16:00:00-05:00',
      ],
    ])('%s → %s', (text, rule, start) => {
      const p = plan(text, NY_MON);
      expect(p.event?.recurrence).toBe(rule);
      expect(p.event?.start).toBe(start);
    });
    it('starts at the first occurrence at or after now', () => {
      // Monday 09:00: this Monday's 8am has passed, so the series starts on Wednesday.
      expect(plan('Gym every Monday and Wednesday at 8am', NY_MON).event?.start).toBe(
        '2026-03-04T08:00:00-05:00',
      );
    });
  });

  describe('11. titles', () => {
    it.each([
      ['Schedule a meeting with the design team on Friday at 2pm', 'Meeting with the design team'],
      ['Add dentist to my calendar on Friday at 2', 'Dentist'],
      ['Put team lunch on my calendar for Friday at noon', 'Team lunch'],
      ['Book a haircut for Saturday at 11am', 'Haircut'],
      ['Set up a call with Priya tomorrow at 10', 'Call with Priya'],
      ['Remind me to call mom at 5', 'Call mom'],
      ['Daily reading at 9pm', 'Reading'],
      ['Weekly team sync on Mondays at 10', 'Team sync'],
    ])('%s → %s', (text, title) => {
      expect(plan(text, NY_MON).event?.title).toBe(title);
    });
  });

  describe('12. location', () => {
    it('reads "at PLACE" and "in PLACE" when PLACE is not a time', () => {
      expect(plan('Coffee with Ana at Blue Bottle on Saturday at 10am', NY_MON).event).toMatchObject({
        title: 'Coffee with Ana',
        location: 'Blue Bottle',
      });
      expect(plan('Sprint planning in Conference Room B at 10 on Wednesday', NY_MON).event).toMatchObject({
        title: 'Sprint planning',
        location: 'Conference Room B',
        start: '2026-03-04T10:00:00-05:00',
      });
      expect(plan('Lunch at noon', NY_MON).event?.location).toBeNull();
    });
  });

  describe('13. moves', () => {
    it('gives the new start and no end unless one is given', () => {
      expect(plan('Move my dentist appointment to Thursday at 4pm', NY_MON)).toMatchObject({
        intent: 'move',
        target: { title: 'dentist appointment' },
        event: { start: '2026-03-05T16:00:00-05:00', end: null },
      });
      expect(plan('Push the standup to 10am tomorrow', NY_MON)).toMatchObject({
        target: { title: 'standup' },
        event: { start: '2026-03-03T10:00:00-05:00' },
      });
      expect(plan('Shift the review to Thursday from 2 to 3pm', NY_MON).event).toMatchObject({
        start: '2026-03-05T14:00:00-05:00',
        end: '2026-03-05T15:00:00-05:00',
      });
    });
    it('finds the target by time or by day', () => {
      expect(plan('Move my 3pm meeting to 4:30pm', NY_MON)).toMatchObject({
        target: { start: '2026-03-02T15:00:00-05:00' },
        event: { start: '2026-03-02T16:30:00-05:00' },
      });
      expect(plan("Move tomorrow's yoga to Friday at 6pm", NY_MON)).toMatchObject({
        target: { title: 'yoga', from: '2026-03-03T00:00:00-05:00', to: '2026-03-04T00:00:00-05:00' },
        event: { start: '2026-03-06T18:00:00-05:00' },
      });
      expect(plan('Reschedule my 2pm to 3', NY_MON).event?.start).toBe('2026-03-02T15:00:00-05:00');
      // A relative amount is a shift (convention 16), not a new time.
      expect(plan('Postpone my 3pm meeting by 30 minutes', NY_MON)).toMatchObject({
        target: { start: '2026-03-02T15:00:00-05:00' },
        event: null,
        shift: 'PT30M',
      });
    });
  });

  describe('cancels', () => {
    it('names the target by title, day or time', () => {
      expect(plan('Cancel my dentist appointment', NY_MON)).toMatchObject({
        intent: 'cancel',
        target: { title: 'dentist appointment', start: null, from: null, to: null },
      });
      expect(plan("Delete tomorrow's yoga", NY_MON).target).toMatchObject({
        title: 'yoga',
        from: '2026-03-03T00:00:00-05:00',
        to: '2026-03-04T00:00:00-05:00',
      });
      expect(plan('Cancel my 2pm', NY_MON).target?.start).toBe('2026-03-02T14:00:00-05:00');
    });
  });

  describe('14. unknown', () => {
    it.each([
      "What's the weather like in Rome?",
      'Tell me a joke',
      'How are you?',
      'hello',
      'qwrtp zxcvb',
      'What time is it?',
      'Delete all my events',
      'Clear my calendar',
      'Remove all events',
      'Wipe my schedule',
      'Cancel all future standups',
    ])('%s', (text) => {
      expect(plan(text, NY_MON)).toEqual({
        intent: 'unknown',
        event: null,
        target: null,
        window: null,
        durationMinutes: null,
      });
    });
  });
});

describe('OfflineInterpreter across daylight-saving changes', () => {
  it('America/New_York spring forward (8 Mar 2026)', () => {
    expect(plan('Brunch tomorrow at 11', NY_SAT_DST).event).toMatchObject({
      start: '2026-03-08T11:00:00-04:00',
      end: '2026-03-08T12:00:00-04:00',
    });
    expect(plan('Movie marathon from 10pm to 4am', NY_SAT_DST).event).toMatchObject({
      start: '2026-03-07T22:00:00-05:00',
      end: '2026-03-08T04:00:00-04:00',
    });
    // 20:00 EST + 8 h crosses the missing hour: 05:00 EDT.
    expect(plan('Early run in 8 hours', NY_SAT_DST).event?.start).toBe('2026-03-08T05:00:00-04:00');
    // 02:30 does not exist that night; it is read with the offset before the change.
    expect(plan('Server patch tomorrow at 2:30am', NY_SAT_DST).event?.start).toBe(
      '2026-03-08T03:30:00-04:00',
    );
    expect(plan('Do I have anything tomorrow?', NY_SAT_DST).window).toEqual({
      from: '2026-03-08T00:00:00-05:00',
      to: '2026-03-09T00:00:00-04:00',
    });
  });

  it('Europe/Berlin spring forward (29 Mar 2026)', () => {
    expect(plan('Hiking trip this weekend', BERLIN_FRI_DST).event).toMatchObject({
      allDay: true,
      start: '2026-03-28T00:00:00+01:00',
      end: '2026-03-30T00:00:00+02:00',
    });
    expect(plan('Yoga every weekday at 7am', BERLIN_FRI_DST).event?.start).toBe('2026-03-30T07:00:00+02:00');
    expect(plan('Find a 2-hour slot this week', BERLIN_FRI_DST).window).toEqual({
      from: '2026-03-23T00:00:00+01:00',
      to: '2026-03-30T00:00:00+02:00',
    });
  });

  it('Europe/Berlin and Europe/London fall back (25 Oct 2026)', () => {
    expect(plan('Brunch tomorrow at 11', BERLIN_SAT_FALL).event?.start).toBe('2026-10-25T11:00:00+01:00');
    expect(plan('Party tonight from 9pm to 2am', LONDON_SAT_FALL).event).toMatchObject({
      start: '2026-10-24T21:00:00+01:00',
      end: '2026-10-25T02:00:00+00:00',
    });
    // 01:30 happens twice in London that night; the first one (BST) is taken.
    expect(plan('Night bus tomorrow at 1:30am', LONDON_SAT_FALL).event?.start).toBe(
      '2026-10-25T01:30:00+01:00',
    );
    expect(plan("What's on tomorrow?", LONDON_SAT_FALL).window).toEqual({
      from: '2026-10-25T00:00:00+01:00',
      to: '2026-10-26T00:00:00+00:00',
    });
    expect(plan('Flight to Lisbon on Sunday at 6:40am', LONDON_SAT_FALL).event?.start).toBe(
      '2026-10-25T06:40:00+00:00',
    );
  });
});

describe('OfflineInterpreter at the end of the year', () => {
  it('"tomorrow" on 31 December is 1 January of the next year', () => {
    expect(plan('Brunch tomorrow at 11', LA_NYE).event?.start).toBe('2027-01-01T11:00:00-08:00');
    expect(plan('What do I have tomorrow?', LA_NYE).window).toEqual({
      from: '2027-01-01T00:00:00-08:00',
      to: '2027-01-02T00:00:00-08:00',
    });
  });
  it('weekdays, dates and weeks cross into the next year', () => {
    expect(plan('Lunch on Friday at 1', LA_NYE).event?.start).toBe('2027-01-01T13:00:00-08:00');
    expect(plan('Lunch next Friday at 1', LA_NYE).event?.start).toBe('2027-01-08T13:00:00-08:00');
    expect(plan('Dentist on Jan 5 at 10', TOKYO_DEC30).event?.start).toBe('2027-01-05T10:00:00+09:00');
    expect(plan('Dentist on the 2nd at 10', TOKYO_DEC30).event?.start).toBe('2027-01-02T10:00:00+09:00');
    expect(plan('What do I have next week?', TOKYO_DEC30).window).toEqual({
      from: '2027-01-04T00:00:00+09:00',
      to: '2027-01-11T00:00:00+09:00',
    });
    expect(plan('Party from 8pm to 1am tomorrow', LA_NYE).event).toMatchObject({
      start: '2027-01-01T20:00:00-08:00',
      end: '2027-01-02T01:00:00-08:00',
    });
  });
  it('a series starting at the turn of the year', () => {
    expect(plan('Review the first Monday of every month at 9', LA_NYE).event?.start).toBe(
      '2027-01-04T09:00:00-08:00',
    );
  });
});

describe('OfflineInterpreter robustness', () => {
  it('is deterministic', () => {
    const a = plan('Lunch with Sam tomorrow at noon', NY_MON);
    const b = plan('Lunch with Sam tomorrow at noon', NY_MON);
    expect(a).toEqual(b);
  });

  it('returns unknown for an invalid zone or instant instead of throwing', () => {
    expect(
      interpreter.interpret({ text: 'Lunch at noon', now: NY_MON.now, timeZone: 'Mars/Base' }).intent,
    ).toBe('unknown');
    expect(interpreter.interpret({ text: 'Lunch at noon', now: 'yesterday', timeZone: 'UTC' }).intent).toBe(
      'unknown',
    );
  });

  it('handles a batch of varied requests and always returns a valid plan', () => {
    const texts = [
      'Lunch with Sam tomorrow at noon',
      'Move my 3pm meeting to 4:30pm',
      'What do I have this weekend?',
      'Find me a free hour tomorrow',
      'Delete all my events',
      '¿Qué tal?',
      '   ',
      '🙂 party tonight',
      'x'.repeat(1000),
    ];
    for (let i = 0; i < 50; i++) {
      for (const text of texts)
        expect(PlanSchema.safeParse(interpreter.interpret({ text, ...NY_MON })).success).toBe(true);
    }
  });
});
