"""One step of the python3-caldav (Debian) interop test, run by test/e2e/caldav-python.e2e-spec.ts.

Usage: caldav-python-client.py STEP [ARG]; DAV_URL, DAV_USER, DAV_PASSWORD in the environment.
Prints one JSON object with what the client saw. Steps: discover, list, create UID SUMMARY,
edit UID SUMMARY, delete UID, series UID SUMMARY (weekly from 1 March 2027, 10:00 UTC, 4 times),
edit-occurrence UID SUMMARY (moves the 15 March occurrence to 12:00 with its own title, as an
override VEVENT with RECURRENCE-ID, the way calendar apps edit one occurrence),
sync [TOKEN] (a sync-collection report: every object, or what changed since TOKEN, with ETags),
put-if-match UID SUMMARY ETAG (a conditional PUT of the client's copy, as apps save an edit).
"""
import datetime
import json
import os
import sys

import caldav
import icalendar
from caldav.elements import dav


def event(uid, summary):
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//python3-caldav interop test//EN",
        "BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20270101T000000Z",
        "DTSTART:20270318T080000Z", "DTEND:20270318T090000Z", f"SUMMARY:{summary}",
        "END:VEVENT", "END:VCALENDAR", "",
    ])


def series(uid, summary):
    return event(uid, summary).replace(
        "DTSTART:20270318T080000Z\r\nDTEND:20270318T090000Z",
        "DTSTART:20270301T100000Z\r\nDTEND:20270301T110000Z\r\nRRULE:FREQ=WEEKLY;COUNT=4",
    )


def edit_occurrence(found, summary):
    cal = icalendar.Calendar.from_ical(found.data)
    master = next(c for c in cal.walk("VEVENT") if "RECURRENCE-ID" not in c)
    utc = datetime.timezone.utc
    override = icalendar.Event()
    override.add("uid", str(master["UID"]))
    override.add("dtstamp", datetime.datetime(2027, 1, 2, tzinfo=utc))
    override.add("recurrence-id", datetime.datetime(2027, 3, 15, 10, 0, tzinfo=utc))
    override.add("dtstart", datetime.datetime(2027, 3, 15, 12, 0, tzinfo=utc))
    override.add("dtend", datetime.datetime(2027, 3, 15, 13, 0, tzinfo=utc))
    override.add("summary", summary)
    cal.add_component(override)
    found.data = cal.to_ical().decode()
    found.save()


def main():
    step, args = sys.argv[1], sys.argv[2:]
    client = caldav.DAVClient(url=os.environ["DAV_URL"], username=os.environ["DAV_USER"],
                              password=os.environ["DAV_PASSWORD"])
    principal = client.principal()
    calendars = principal.calendars()
    out = {"calendars": [str(c.url) for c in calendars]}
    calendar = calendars[0]

    def url_of(name):
        return calendar.url.join(name + ".ics")

    def loaded(name):
        found = calendar.event_by_url(url_of(name))
        found.load()
        return found

    if step == "list":
        out["events"] = [e.data for e in calendar.events()]
    elif step == "create":
        saved = calendar.save_event(event(args[0], args[1]))
        out["url"] = str(saved.url)
    elif step == "edit":
        found = loaded(args[0])
        found.data = found.data.replace(found.vobject_instance.vevent.summary.value, args[1])
        found.save()
        out["data"] = loaded(args[0]).data
    elif step == "series":
        saved = calendar.save_event(series(args[0], args[1]))
        out["url"] = str(saved.url)
    elif step == "edit-occurrence":
        found = loaded(args[0])
        edit_occurrence(found, args[1])
        out["data"] = loaded(args[0]).data
    elif step == "sync":
        objects = calendar.objects_by_sync_token(args[0] if args else None, load_objects=True)
        out["token"] = objects.sync_token
        out["objects"] = [
            {"url": str(o.url), "etag": o.props.get(dav.GetEtag.tag), "data": o.data} for o in objects
        ]
    elif step == "put-if-match":
        r = client.put(url_of(args[0]), event(args[0], args[1]), {"Content-Type": "text/calendar", "If-Match": args[2]})
        out["status"] = r.status
    elif step == "delete":
        calendar.event_by_url(url_of(args[0])).delete()
    print(json.dumps(out))


main()
