"""A realistic little Russian library, protocol-valid, applied through the real Store."""

from __future__ import annotations

import hashlib
from typing import Any

from protocol.wire import CATALOG_STREAM, Rec

SUBJECT_TOPICS = {
    "Математика": ["Квадратные уравнения", "Обыкновенные дроби", "Тригонометрия"],
    "Русский язык": ["Причастный оборот", "Деепричастие", "Сложноподчинённые предложения"],
    "История": ["Смутное время", "Реформы Петра I", "Великие географические открытия"],
    "Физика": ["Законы Ньютона", "Электрический ток", "Оптика"],
    "Биология": ["Фотосинтез", "Строение клетки", "Экосистемы"],
    "Литература": ["Слово о полку Игореве", "Поэзия Серебряного века", "Капитанская дочка"],
}
SUBJECTS = list(SUBJECT_TOPICS)
TYPES = ["lesson", "presentation", "video_lesson", "interactive_test", "workbook",
         "methodical_guide"]
AUTHORS = ["Иванова А. П.", "Смирнов В. Н.", "Кузнецова Е. В.", "Попов Д. С."]
COLLECTIONS = [("col-math", "Математика 5–11", "subject"),
               ("col-humanities", "Гуманитарные предметы", "subject"),
               ("col-science", "Естественные науки", "subject"),
               ("pub-prosv", "Издательство «Просвещение»", "publisher")]
PORTAL = "test-portal"


def sha_of(i: int, j: int = 0) -> str:
    return hashlib.sha256(f"file-{i}-{j}".encode()).hexdigest()


def resource(i: int) -> dict[str, Any]:
    subject = SUBJECTS[i % len(SUBJECTS)]
    topic = SUBJECT_TOPICS[subject][(i // len(SUBJECTS)) % 3]
    rtype = TYPES[(i * 5 + i // 6) % len(TYPES)]
    col = {"Математика": "col-math", "Физика": "col-science",
           "Биология": "col-science"}.get(subject, "col-humanities")
    grade = 5 + i % 7
    ext, mime = {"video_lesson": ("mp4", "video/mp4"),
                 "presentation": ("pdf", "application/pdf")}.get(rtype, ("pdf", "application/pdf"))
    return {
        "id": f"res-{i:05d}", "version": 1,
        "title": f"{topic}. {['Урок', 'Занятие', 'Практикум'][i % 3]} {i}",
        "description": f"Материал по теме «{topic}» ({subject.lower()}, {grade} класс): "
                       "объяснение, примеры и задания для самостоятельной работы.",
        "authors": [AUTHORS[i % len(AUTHORS)]], "subjects": [subject],
        "grades": [grade] if i % 4 else [grade, min(11, grade + 1)],
        "type": rtype, "language": "ru", "license": "CC BY 4.0",
        "keywords": [topic.lower()], "collections": [col] + (["pub-prosv"] if i % 5 == 0 else []),
        "files": [{"sha256": sha_of(i), "name": f"{topic} — {i}.{ext}", "mime": mime,
                   "size": 20_000 + 37 * i}],
        "created": "2025-09-01T00:00:00Z", "modified": "2025-09-01T00:00:00Z",
    }


def fill_store(store: Any, n: int) -> None:
    seq = 0
    items = []
    for pos, (cid, title, kind) in enumerate(COLLECTIONS):
        seq += 1
        data = {"id": cid, "parent_id": None, "title": title, "description": "", "kind": kind,
                "position": pos, "version": 1, "created": "2025-09-01T00:00:00Z",
                "modified": "2025-09-01T00:00:00Z"}
        items.append(Rec(CATALOG_STREAM, "collection", cid, 1, seq, data))
    store.apply_page(CATALOG_STREAM, items, seq, PORTAL)
    for start in range(0, n, 500):
        items = []
        for i in range(start, min(n, start + 500)):
            seq += 1
            data = resource(i)
            items.append(Rec(CATALOG_STREAM, "resource", data["id"], 1, seq, data))
        store.apply_page(CATALOG_STREAM, items, seq, PORTAL)
