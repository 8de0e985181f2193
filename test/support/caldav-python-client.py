"""One step of the python3-caldav (Debian) interop test, run by test/e2e/caldav-python.e2e-spec.ts.

Usage: caldav-python-client.py STEP [ARG]; DAV_URL, DAV_USER, DAV_PASSWORD in the environment.
Prints one JSON object with what the client saw. Steps: discover, list, create UID SUMMARY,
edit UID SUMMARY, delete UID.
"""
import json
import os
import sys

import caldav


def event(uid, summary):
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//python3-caldav interop test//EN",
        "BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20270101T000000Z",
        "DTSTART:20270318T080000Z", "DTEND:20270318T090000Z", f"SUMMARY:{summary}",
        "END:VEVENT", "END:VCALENDAR", "",
    ])


def main():
    step, args = sys.argv[1], sys.argv[2:]
    client = caldav.DAVClient(url=os.environ["DAV_URL"], username=os.environ["DAV_USER"],
                              password=os.environ["DAV_PASSWORD"])
    principal = client.principal()
    calendars = principal.calendars()
    out = {"calendars": [str(c.url) for c in calendars]}
    calendar = calendars[0]
    if step == "list":
        out["events"] = [e.data for e in calendar.events()]
    elif step == "create":
        saved = calendar.save_event(event(args[0], args[1]))
        out["url"] = str(saved.url)
    elif step == "edit":
        found = calendar.event_by_url(calendar.url.join(args[0] + ".ics"))
        found.load()
        found.data = found.data.replace(found.vobject_instance.vevent.summary.value, args[1])
        found.save()
        out["data"] = calendar.event_by_url(found.url).load().data
    elif step == "delete":
        calendar.event_by_url(calendar.url.join(args[0] + ".ics")).delete()
    print(json.dumps(out))


main()
