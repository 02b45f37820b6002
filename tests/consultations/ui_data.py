"""A replica filled the way a sync fills it: pages of validated records (the demo's own
questions, answers and events), for the UI tests and screenshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from portal.community.demo_consult import EVENTS, QUESTIONS
from protocol.community import COMMUNITY_VALIDATORS
from protocol.consultations import level_id
from protocol.wire import Rec

ME = "u-0000"
METODIST = "u-0001"
ASSOCIATIONS = {
    "reg-45": ("Медиаспециалисты: Курганская область", "regional"),
    "okno-ru": ("Сеть специалистов «Окно»", "national"),
    "mun-45-ketovo": ("РМО медиаспециалистов: Кетовский муниципальный округ", "municipal"),
    "topic-librarians": ("Школьные библиотекари", "topic"),
    "topic-informatics": ("Учителя информатики", "topic"),
}
PEOPLE = {
    ME: ("Иванова Мария Петровна", "МБОУ СОШ № 2 с. Покровское"),
    METODIST: ("Соколова Елена Викторовна", "ИРОСТ, кафедра информационных технологий"),
    "u-0002": ("Кузнецова Ольга Николаевна", "МКОУ «Садовская основная общеобразовательная школа»"),
    "u-0003": ("Попова Анна Сергеевна", "МБОУ СОШ № 5 с. Лесниково"),
    "u-0004": ("Морозов Андрей Викторович", "МОУ «Средняя школа с. Ольховка»"),
    "u-0005": ("Волкова Татьяна Ивановна", "МБОУ СОШ № 1 с. Уксянское"),
    "u-0006": ("Лебедева Наталья Юрьевна", "МБОУ СОШ № 3 с. Мальцево"),
    "u-0007": ("Новикова Светлана Петровна", "МКОУ «Погорелская СОШ»"),
}
STAMP = "%Y-%m-%dT%H:%M:%SZ"


def _rec(stream: str, kind: str, seq: int, d: dict[str, Any]) -> Rec:
    d = {"version": 1, **d}
    COMMUNITY_VALIDATORS[kind](d)  # exactly what a sync would accept
    return Rec(stream, kind, d["id"], d["version"], seq, d)


def _who(who: Any) -> str:
    if who == "demo":
        return ME
    if who == "metodist":
        return METODIST
    return f"u-{2 + int(who) % 6:04d}"


def fill_consultations(store: Any, today: datetime) -> None:
    """Sign in as the demo user and apply directory, user and association pages."""
    store.set_community_user({"id": ME, "login": "demo", "display_name": PEOPLE[ME][0],
                              "role": "member"})
    seq = 0
    directory = []
    for aid, (name, kind) in ASSOCIATIONS.items():
        seq += 1
        directory.append(_rec("directory", "association", seq, {
            "id": aid, "name": name, "description": "", "kind": kind, "visibility": "public",
            "parent_id": None, "region": "", "municipality": "", "topic": "",
            "created": "2025-09-01T00:00:00Z", "modified": "2025-09-01T00:00:00Z"}))
    for uid, (name, school) in PEOPLE.items():
        seq += 1
        directory.append(_rec("directory", "profile", seq, {
            "id": uid, "display_name": name, "school": school, "municipality": "",
            "region": "Курганская область", "role": "member",
            "created": "2025-09-01T00:00:00Z", "modified": "2025-09-01T00:00:00Z"}))
    store.apply_page("directory", directory, seq, "test-portal")

    user = [_rec(f"user:{ME}", "membership", n + 1, {
        "id": aid, "association_id": aid, "role": "member",
        "created": "2025-09-01T00:00:00Z", "modified": "2025-09-01T00:00:00Z"})
        for n, aid in enumerate(ASSOCIATIONS)]
    store.apply_page(f"user:{ME}", user, len(user), "test-portal")

    pages: dict[str, list[Rec]] = {f"assoc:{aid}": [] for aid in ASSOCIATIONS}
    start = today - timedelta(days=40)
    for n, (aid, asker, category, title, body, replies, accepted) in enumerate(QUESTIONS):
        stream = f"assoc:{aid}"
        created = start + timedelta(days=3 * n, hours=n % 5)
        qid = f"q-{n + 1:04d}"
        q = {"id": qid, "association_id": aid, "author_id": _who(asker), "category": category,
             "title": title, "body_md": body, "status": "open", "answer_count": 0,
             "accepted_answer_id": None, "last_answer_at": None,
             "created": created.strftime(STAMP), "modified": created.strftime(STAMP)}
        for k, (who, text) in enumerate(replies):
            at = (created + timedelta(hours=5 + 20 * k)).strftime(STAMP)
            pages[stream].append(_rec(stream, "answer", 0, {
                "id": f"{qid}.a{k + 1}", "question_id": qid, "association_id": aid,
                "author_id": _who(who), "body_md": text, "accepted": accepted == k,
                "created": at, "modified": at}))
            q.update(answer_count=k + 1, last_answer_at=at, status="answered")
            if accepted == k:
                q["accepted_answer_id"] = f"{qid}.a{k + 1}"
        pages[stream].append(_rec(stream, "question", 0, q))
    for n, (aid, kind, title, description, location, url, days, hour, hours) in \
            enumerate(EVENTS):
        stream = f"assoc:{aid}"
        starts = today + timedelta(days=days, hours=hour)
        pages[stream].append(_rec(stream, "event", 0, {
            "id": f"ev-{n + 1:04d}", "association_id": aid, "author_id": METODIST,
            "kind": kind, "title": title, "description": description, "location": location,
            "url": url, "starts": starts.strftime(STAMP),
            "ends": (starts + timedelta(hours=hours)).strftime(STAMP), "cancelled": False,
            "created": "2025-09-01T00:00:00Z", "modified": "2025-09-01T00:00:00Z"}))
    board = [("u-0004", 4, 61, True, {"accepted_answers": 2, "reactions_received": 12,
                                      "active_days": 17, "moderated": 0}),
             (METODIST, 3, 212, False, {"accepted_answers": 14, "reactions_received": 21,
                                        "active_days": 30, "moderated": 0}),
             ("u-0002", 2, 74, False, {"accepted_answers": 3, "reactions_received": 14,
                                       "active_days": 16, "moderated": 0}),
             ("u-0003", 2, 45, False, {"accepted_answers": 1, "reactions_received": 11,
                                       "active_days": 13, "moderated": 0}),
             (ME, 1, 23, False, {"accepted_answers": 0, "reactions_received": 6,
                                 "active_days": 11, "moderated": 0}),
             ("u-0005", 1, 12, False, {"accepted_answers": 0, "reactions_received": 4,
                                       "active_days": 4, "moderated": 0}),
             ("u-0006", 0, 3, False, {"accepted_answers": 0, "reactions_received": 5,
                                      "active_days": 8, "moderated": 1})]
    for rank, (uid, level, score, granted, sources) in enumerate(board, start=1):
        pages["assoc:reg-45"].append(_rec("assoc:reg-45", "level", 0, {
            "id": level_id("reg-45", uid), "user_id": uid, "association_id": "reg-45",
            "level": level, "score": score, "rank": rank, "granted": granted,
            "sources": sources, "modified": "2025-09-01T00:00:00Z"}))
    for stream, recs in pages.items():
        numbered = [Rec(r.stream, r.kind, r.id, r.version, n + 1, r.data)
                    for n, r in enumerate(recs)]
        if numbered:
            store.apply_page(stream, numbered, len(numbered), "test-portal")


def today_utc() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
