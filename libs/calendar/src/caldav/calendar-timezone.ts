import ICAL from '../ical/ical';
import { isUtcZone, buildVtimezone } from '../ical/vtimezone';
import { ICS_PRODID } from '../ical/ics-writer';

/**
 * CALDAV:calendar-timezone (RFC 4791 §5.2.2): an iCalendar object with the one VTIMEZONE of the
 * calendar's zone, from this year on.
 */
export function calendarTimezone(zone: string, now = new Date()): string {
  const cal = new ICAL.Component('vcalendar');
  cal.addPropertyWithValue('prodid', ICS_PRODID);
  cal.addPropertyWithValue('version', '2.0');
  if (!isUtcZone(zone)) {
    const year = now.getUTCFullYear();
    cal.addSubcomponent(buildVtimezone(zone, year, year + 1));
  } else {
    const vtz = new ICAL.Component('vtimezone');
    vtz.addPropertyWithValue('tzid', 'UTC');
    const std = new ICAL.Component('standard');
    std.addPropertyWithValue(
      'dtstart',
      ICAL.Time.fromData({ year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, isDate: false }),
    );
    std.addPropertyWithValue('tzoffsetfrom', ICAL.UtcOffset.fromSeconds(0));
    std.addPropertyWithValue('tzoffsetto', ICAL.UtcOffset.fromSeconds(0));
    vtz.addSubcomponent(std);
    cal.addSubcomponent(vtz);
  }
  return `${cal.toString()}\r\n`;
}
