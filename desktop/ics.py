"""iCalendar (RFC 5545) export of association events: one event or a whole calendar.

Qt-free. What RFC 5545 asks and this module does: CRLF line ends; content lines folded so
no line is longer than 75 octets (a fold never splits a UTF-8 character); TEXT values with
backslash, semicolon, comma and newline escaped; times in UTC (``...Z``); a globally
unique ``UID`` per event and ``DTSTAMP`` on each; ``SEQUENCE`` from the record's version so
calendar programs take a changed or cancelled event as an update of the same one.

>>> data = calendar_ics([event_row], now=datetime(2026, 11, 26, tzinfo=UTC))
>>> data.startswith(b"BEGIN:VCALENDAR\\r\\n")
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

PRODID = "-//Okno//Okno community calendar//RU"
UID_DOMAIN = "okno.events"
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): ``\\`` ``;`` ``,`` and newlines escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line: str) -> bytes:
    """One content line as UTF-8, folded at 75 octets (3.1), ending in CRLF."""
    out = bytearray()
    width = 0
    for ch in line:
        size = len(ch.encode())
        if width + size > MAX_OCTETS:
            out += b"\r\n "
            width = 1  # the leading space counts
        out += ch.encode()
        width += size
    out += b"\r\n"
    return bytes(out)


def utc(stamp: str) -> str:
    """``2026-12-01T10:00:00Z`` -> ``20261201T100000Z`` (a UTC DATE-TIME, 3.3.5 form 2)."""
    t = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
    return t.strftime("%Y%m%dT%H%M%SZ")


def _stamp_now(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(e: Mapping[str, Any], dtstamp: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{e['id']}@{UID_DOMAIN}",
        f"DTSTAMP:{dtstamp}",
        f"DTSTART:{utc(e['starts'])}",
        f"DTEND:{utc(e['ends'])}",
        f"SEQUENCE:{max(int(e.get('version') or 0), 0)}",
        f"SUMMARY:{escape_text(e['title'])}",
    ]
    if e.get("description"):
        lines.append(f"DESCRIPTION:{escape_text(e['description'])}")
    if e.get("location"):
        lines.append(f"LOCATION:{escape_text(e['location'])}")
    if e.get("url"):
        lines.append(f"URL:{e['url']}")  # a URI value: not TEXT-escaped
    if e.get("kind"):
        lines.append(f"CATEGORIES:{escape_text(str(e['kind']).upper())}")
    lines.append(f"STATUS:{'CANCELLED' if e.get('cancelled') else 'CONFIRMED'}")
    minutes = e.get("remind_minutes")
    if e.get("marked") and minutes is not None:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{escape_text(e['title'])}",
                  f"TRIGGER:-PT{int(minutes)}M", "END:VALARM"]
    lines.append("END:VEVENT")
    return lines


def calendar_ics(events: Iterable[Mapping[str, Any]], *, now: datetime,
                 name: str = "") -> bytes:
    """A VCALENDAR with one VEVENT per event row (as ``Store.events()`` returns them)."""
    dtstamp = _stamp_now(now)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    for e in events:
        lines += _event_lines(e, dtstamp)
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)


def event_filename(e: Mapping[str, Any]) -> str:
    """A safe file name for one event's .ics (never built from the title)."""
    return f"okno-event-{e['id']}.ics"
