"""The demo professional development course: "Цифровые образовательные ресурсы в работе
школьного библиотекаря", built from the demo library's resources (the first resource of each
type in the catalog), with a few demo colleagues enrolled and progressing, so that the
coordinators' report has something to show.

>>> ensure_demo_course(engine)
'pd-cor-librarians'
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine, select

from portal import db
from portal.community.course_schema import courses
from portal.community.courses import import_course
from portal.community.store import CommunityStore
from protocol.community import Op
from protocol.courses import OP_COURSE_ENROLL, OP_COURSE_PROGRESS, trackable

DEMO_COURSE_ID = "pd-cor-librarians"
# (login, how far they got: share of items completed); u-0000 "demo" starts fresh.
_LEARNERS = (("user002", 1.0), ("user003", 0.6), ("user004", 0.3), ("user005", 0.0),
             ("user006", 1.0), ("user007", 0.45))
_TYPES = ("methodical_guide", "presentation", "video_lesson", "audio", "lesson",
          "interactive_test", "workbook", "lab_work")


def _first_of_each_type(engine: Engine) -> dict[str, str]:
    r = db.resources.c
    out: dict[str, str] = {}
    with engine.connect() as conn:
        for rtype in _TYPES:
            rid = conn.execute(select(r.id).where(r.type == rtype).order_by(r.id).limit(1)
                               ).scalar()
            if rid is not None:
                out[rtype] = rid
    return out


def _material(mid: str, rid: str | None, *, required: bool = True) -> list[dict[str, Any]]:
    return [] if rid is None else [{"id": mid, "resource_id": rid, "required": required}]


def demo_course(res: dict[str, str]) -> dict[str, Any]:
    """The course in its authored form (what ``okno-portal course-import`` reads)."""
    g = res.get
    return {
        "id": DEMO_COURSE_ID,
        "title": "Цифровые образовательные ресурсы в работе школьного библиотекаря",
        "description": (
            "Программа повышения квалификации для педагогов-библиотекарей и медиаспециалистов "
            "сельских школ. Курс учит находить ресурсы Единой библиотеки ЦОР, готовить их к "
            "работе без интернета и помогать учителям строить уроки с цифровыми материалами. "
            "Все материалы можно заранее скачать и изучать без подключения к сети."),
        "association_id": None,
        "author": "Региональный центр непрерывного повышения профессионального мастерства",
        "hours": 36,
        "modules": [
            {"id": "m1", "title": "Модуль 1. Единая библиотека ЦОР", "lessons": [
                {"id": "m1-l1", "title": "Типы ресурсов и поиск в каталоге",
                 "body_md": "Познакомьтесь с типами ресурсов библиотеки: уроки, презентации, "
                            "видеоуроки, тесты, рабочие тетради и методические пособия. "
                            "Обратите внимание на фильтры по предмету и классу.",
                 "materials": [*_material("m1-l1-guide", g("methodical_guide")),
                               *_material("m1-l1-pres", g("presentation"))],
                 "tasks": [{"id": "m1-l1-task", "title": "Подбор ресурсов к уроку",
                            "kind": "text",
                            "prompt_md": "Найдите в библиотеке три ресурса к ближайшему уроку "
                                         "коллеги-предметника и напишите, для какого класса и "
                                         "какого этапа урока подходит каждый."}]},
                {"id": "m1-l2", "title": "Видео и аудио без интернета",
                 "body_md": "Большие файлы удобно скачивать вечером или ночью. Проверьте, что "
                            "видеоурок открывается в кабинете без подключения к сети.",
                 "materials": [*_material("m1-l2-video", g("video_lesson")),
                               *_material("m1-l2-audio", g("audio"), required=False)],
                 "tasks": [{"id": "m1-l2-check", "title": "Подготовка кабинета",
                            "kind": "checklist",
                            "items": ["Скачать видеоурок заранее",
                                      "Открыть видеоурок при отключённой сети",
                                      "Проверить звук и проектор в кабинете"]}]},
            ]},
            {"id": "m2", "title": "Модуль 2. ЦОР на уроке и во внеурочной работе", "lessons": [
                {"id": "m2-l1", "title": "Урок с цифровыми ресурсами",
                 "body_md": "Разберите готовую разработку урока и интерактивный тест: как "
                            "учитель чередует объяснение, работу с ресурсом и проверку.",
                 "materials": [*_material("m2-l1-lesson", g("lesson")),
                               *_material("m2-l1-test", g("interactive_test")),
                               *_material("m2-l1-lab", g("lab_work"), required=False)],
                 "tasks": []},
                {"id": "m2-l2", "title": "Подборка для коллег",
                 "body_md": "Рабочие тетради и тренажёры помогают организовать "
                            "самостоятельную работу учеников в библиотеке.",
                 "materials": [*_material("m2-l2-workbook", g("workbook"))],
                 "tasks": [{"id": "m2-l2-set", "title": "Подборка для методического "
                            "объединения", "kind": "text",
                            "prompt_md": "Составьте подборку из 5–7 ресурсов для учителей "
                                         "одного предмета и коротко объясните свой выбор."}]},
            ]},
            {"id": "m3", "title": "Модуль 3. Итоговая работа", "lessons": [
                {"id": "m3-l1", "title": "Библиотечное занятие с ЦОР",
                 "body_md": "Опишите занятие, которое вы проведёте в библиотеке.",
                 "materials": [],
                 "tasks": [{"id": "m3-final", "title": "Итоговая работа", "kind": "text",
                            "prompt_md": "Опишите библиотечное занятие с использованием "
                                         "ресурсов Единой библиотеки: цель, класс, ход "
                                         "занятия, какие ресурсы и как вы подготовите "
                                         "к работе без интернета."}]},
            ]},
        ],
    }


def _demo_progress(community: CommunityStore, course: dict[str, Any]) -> None:
    items = list(trackable(course).items())
    for login, share in _LEARNERS:
        user = community.get_user(login)
        if user is None:
            continue
        ops = [Op(uuid.uuid4().hex, OP_COURSE_ENROLL, {"course_id": course["id"]})]
        for item_id, (kind, item) in items[:round(share * len(items))]:
            data: dict[str, Any] = {"course_id": course["id"], "item_id": item_id,
                                    "state": "completed", "answer": None, "checked": None}
            if kind == "task" and item["kind"] == "checklist":
                data["checked"] = list(range(len(item["items"])))
            elif kind == "task":
                data["answer"] = "Выполнено: подобрала ресурсы и обсудила их с коллегами."
            ops.append(Op(uuid.uuid4().hex, OP_COURSE_PROGRESS, data))
        community.apply_ops(user, ops)


def ensure_demo_course(engine: Engine) -> str | None:
    """Create the demo course once the demo library and the demo users both exist; returns
    its id, or None when one of them is missing (or the course is already there)."""
    community = CommunityStore(engine)
    with engine.connect() as conn:
        if conn.execute(select(courses.c.id).where(courses.c.id == DEMO_COURSE_ID)).first():
            return None
    if community.get_user("demo") is None:
        return None
    res = _first_of_each_type(engine)
    if len(res) < 4:
        return None
    d = import_course(engine, demo_course(res))
    _demo_progress(community, d)
    return DEMO_COURSE_ID
