"""iCalendar export: RFC 5545 line folding, escaping, UTC times, UIDs; read back with the
``icalendar`` library as an independent parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from desktop.ics import calendar_ics, escape_text, event_filename, fold

EVENT = {"id": "ev-0001", "association_id": "reg-45", "kind": "webinar",
         "title": "Вебинар: «ЦОР, ФГОС; отчёты» \\ итоги", "version": 3,
         "description": "Первая строка\nвторая строка, с запятой; и точкой с запятой " * 5,
         "location": "г. Курган, ИРОСТ", "url": "https://okno.example.ru/w?a=1,2",
         "starts": "2026-12-01T05:00:00Z", "ends": "2026-12-01T06:30:00Z", "cancelled": 0,
         "marked": 1, "remind_minutes": 30}
NOW = datetime(2026, 11, 26, 1, 2, 3, tzinfo=UTC)


def test_fold_never_exceeds_75_octets_or_splits_a_character():
    line = "DESCRIPTION:" + "ж" * 100 + "a" * 7 + "€" * 40
    folded = fold(line)
    parts = folded.split(b"\r\n")
    assert parts[-1] == b""
    assert all(len(p) <= 75 for p in parts)
    assert all(p.startswith(b" ") for p in parts[1:-1])
    for p in parts[:-1]:
        p.decode("utf-8")  # each physical line is whole UTF-8
    assert b"".join(p[1:] if i else p for i, p in enumerate(parts[:-1])).decode() == line


def test_text_escaping():
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_calendar_reads_back_exactly():
    data = calendar_ics([EVENT, {**EVENT, "id": "ev-0002", "cancelled": 1, "marked": 0}],
                        now=NOW, name="Медиаспециалисты, Курган")
    assert data.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    cal = Calendar.from_ical(data)
    first, second = cal.walk("VEVENT")
    assert str(first["UID"]) == "ev-0001@okno.events"
    assert str(first["SUMMARY"]) == EVENT["title"]
    assert str(first["DESCRIPTION"]) == EVENT["description"]
    assert str(first["LOCATION"]) == EVENT["location"]
    assert str(first["URL"]) == EVENT["url"]
    assert first["DTSTART"].dt == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert first["DTEND"].dt - first["DTSTART"].dt == timedelta(minutes=90)
    assert first["DTSTAMP"].dt == NOW
    assert int(first["SEQUENCE"]) == 3 and str(first["STATUS"]) == "CONFIRMED"
    assert first.walk("VALARM")[0]["TRIGGER"].dt == -timedelta(minutes=30)
    assert str(second["STATUS"]) == "CANCELLED" and not second.walk("VALARM")
    assert b"DTSTART:20261201T050000Z\r\n" in data


def test_file_name_is_never_the_title():
    assert event_filename(EVENT) == "okno-event-ev-0001.ics"
