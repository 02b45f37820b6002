"""Demo consultations, events and contribution levels for the demo community.

Called by :func:`portal.community.demo.load_demo_community` after the discussions:
questions to the methodologists (some of the ``demo`` user's own, answered and not), answers
with accepted ones, a calendar of seminars, webinars and meetings around the day the demo
is loaded, then a recompute of every association's levels.

>>> load_demo_consultations(community, members)
(12, 19, 7)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from portal import db
from portal.community import leaders
from portal.community.consultations import answer_record, event_record, question_record
from portal.community.records import ChangeSet
from portal.community.store import CommunityStore
from protocol import community as pc
from protocol import consultations as cq

# (association, asker: "demo" | "metodist" | index into the members, category, title, body,
#  answers as (answerer, text), index of the accepted answer or None)
QUESTIONS: tuple[tuple[str, Any, str, str, str, tuple[tuple[Any, str], ...], int | None], ...] = (
    ("reg-45", "demo", "catalog", "Как списать устаревшие учебники по новому порядку?",
     "В фонде много учебников 2012 года. Какие документы нужны для списания и можно ли "
     "оформить акт в электронном виде?",
     (("metodist", "Акт оформляется по форме, утверждённой приказом директора; электронный "
       "вариант допустим, если в школе принят ЭДО. Образец положу в раздел «Документы»."),
      (3, "Мы списывали в прошлом году: сначала сверка с федеральным перечнем, потом акт и "
       "приказ. Уложились в две недели.")), 0),
    ("reg-45", "demo", "lessons", "Какой ЦОР подойдёт для урока по безопасности в сети в 5 классе?",
     "Нужен интерактив на 15 минут, без регистрации учеников.",
     (("metodist", "Посмотрите интерактивный тест «Безопасный интернет» в библиотеке Окна: "
       "он работает офлайн и не требует учётных записей."),), None),
    ("reg-45", "demo", "digital", "Можно ли поставить Окно на компьютеры в читальном зале?",
     "В читальном зале 6 старых ПК без интернета. Хочу, чтобы ученики смотрели видеоуроки.",
     (), None),
    ("reg-45", 4, "programmes", "Как учесть работу ИБЦ в рабочей программе воспитания?",
     "Администрация просит вписать мероприятия библиотеки в программу воспитания. Есть ли "
     "образец формулировок?",
     (("metodist", "Да, впишите мероприятия в модуль «Основные школьные дела» и в "
       "календарный план; формулировки пришлю в личном сообщении на семинаре."),
      (5, "У нас библиотека вписана отдельным модулем — проверка прошла без замечаний.")), 0),
    ("reg-45", 6, "reading", "Идеи для недели детской книги в малокомплектной школе",
     "В школе 40 учеников. Что провести, чтобы участвовали все классы?",
     ((7, "Сделайте «книжную эстафету»: каждый класс готовит страницу общей книги."),
      ("metodist", "Хорошо работает громкое чтение старшеклассников для младших и итоговая "
       "выставка рисунков.")), 1),
    ("reg-45", 8, "catalog", "Нужно ли вести инвентарную книгу, если есть электронный каталог?",
     "Электронный каталог ведём второй год. Обязательно ли дублировать в бумажной книге?",
     (("metodist", "Бумажную инвентарную книгу пока ведите: электронный каталог её не "
       "заменяет, если нет утверждённого локального акта."),), 0),
    ("okno-ru", 9, "digital", "Синхронизация по ночам на слабом канале — как настроить?",
     "Днём интернет занят уроками. Можно ли запускать синхронизацию только ночью?",
     (("metodist", "В настройках Окна задайте окно синхронизации, например с 22:00 до 6:00, "
       "и включите «Не скачивать файлы при лимитном подключении»."),
      (10, "Мы так и сделали: за неделю скачались все видеоуроки по истории.")), 0),
    ("okno-ru", 11, "other", "Как оформить справку о работе с ЦОР для аттестации?",
     "Для аттестации нужна справка об использовании электронных ресурсов.",
     (), None),
    ("topic-librarians", 12, "reading", "Чем заменить бумажные формуляры читателей?",
     "Хочу перейти на электронный учёт выдачи. Что используют коллеги?",
     ((13, "Мы используем модуль учёта в АИС школы, формуляры храним только для архива."),),
     None),
    ("topic-informatics", 14, "lessons", "Отечественное ПО для уроков программирования",
     "Какие среды программирования из реестра подходят для 7 класса?",
     ((15, "Для 7 класса хорошо подходит КуМир: есть исполнители Робот и Чертёжник."),
      ("metodist", "Добавлю: в библиотеке Окна есть серия видеоуроков по КуМиру.")), 0),
    ("mun-45-ketovo", 16, "programmes", "График РМО на второе полугодие",
     "Когда планируется следующее заседание районного объединения?",
     (("metodist", "Заседание запланировано на январь, тема — цифровые ресурсы в "
       "начальной школе. Событие уже в календаре."),), 0),
    ("reg-45", 17, "other", "Как получить доступ к закрытому методическому совету?",
     "Хотела бы участвовать в работе совета. Куда обращаться?",
     (), None),
)

# (association, kind, title, description, location, url, days from today, start hour UTC,
#  hours long)
EVENTS: tuple[tuple[str, str, str, str, str, str, int, int, int], ...] = (
    ("reg-45", "seminar", "Семинар «ЦОР на уроках в начальной школе»",
     "Практический семинар для педагогов-библиотекарей и учителей начальных классов: "
     "подбор ресурсов в библиотеке Окна, работа офлайн, сценарии уроков.",
     "г. Курган, ИРОСТ, ауд. 305", "", 3, 5, 3),
    ("reg-45", "webinar", "Вебинар «Синхронизация Окна на слабом канале»",
     "Как настроить ночную синхронизацию, USB-пакеты и раздачу по локальной сети кабинета.",
     "", "https://okno.example.ru/webinar/sync", 1, 8, 1),
    ("mun-45-ketovo", "meeting", "Заседание РМО медиаспециалистов Кетовского округа",
     "Итоги полугодия, план на январь, обмен опытом по неделе детской книги.",
     "с. Кетово, МКУ «Управление образования», зал заседаний", "", 10, 6, 2),
    ("okno-ru", "webinar", "Вебинар «Новые коллекции библиотеки: история и обществознание»",
     "Обзор новых видеоуроков и интерактивных тестов, вопросы методистам.",
     "", "https://okno.example.ru/webinar/collections", 7, 9, 1),
    ("topic-librarians", "seminar", "Онлайн-практикум «Электронный каталог школьной библиотеки»",
     "Ведение каталога, списание, отчётность. С практическими заданиями.",
     "", "https://okno.example.ru/practicum/catalog", 14, 7, 2),
    ("reg-45", "meeting", "Методический совет: подготовка к конкурсу «Библиотекарь года»",
     "Отбор заявок и распределение наставников.", "г. Курган, ИРОСТ, ауд. 210", "", 21, 6, 2),
    ("reg-45", "seminar", "Семинар «Школьный ИБЦ как центр чтения»",
     "Прошедший семинар: материалы доступны в разделе «Документы».",
     "г. Курган, ИРОСТ, ауд. 305", "", -12, 5, 3),
)

_QUESTIONS_START = datetime(2026, 9, 14, 6, 0, tzinfo=UTC)  # within the demo's past span


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _person(who: Any, members: Sequence[Any], people: Mapping[str, Any]) -> Any:
    if isinstance(who, str):
        return people[who]
    others = [m for m in members if m.login not in ("demo", "metodist")]
    return others[who % len(others)] if others else members[0]


def load_demo_consultations(community: CommunityStore, members: Mapping[str, list[Any]],
                            today: datetime | None = None) -> tuple[int, int, int]:
    """Write the demo questions, answers and events; recompute levels. Returns the counts
    (questions, answers, events)."""
    people = {p.login: p for ms in members.values() for p in ms
              if p.login in ("demo", "metodist")}
    if not {"demo", "metodist"} <= set(people):
        return (0, 0, 0)
    today = (today or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    n_answers = 0
    n_questions = 0
    n_events = 0
    with db.write_transaction(community.engine) as conn:
        now = db.utc_now()
        cs = ChangeSet(conn, now)
        for n, (aid, asker, category, title, body, replies, accepted) in enumerate(QUESTIONS):
            ms = members.get(aid)
            if not ms:
                continue
            author = _person(asker, ms, people)
            created = _QUESTIONS_START + timedelta(days=3 * n, hours=n % 5)
            qid = f"q-{n + 1:04d}"
            q = {"id": qid, "association_id": aid, "author_id": author.id,
                 "category": category, "title": title, "body_md": body, "status": "open",
                 "answer_count": 0, "accepted_answer_id": None, "last_answer_at": None,
                 "created": _stamp(created), "modified": _stamp(created)}
            answer_rows = []
            for k, (who, text) in enumerate(replies):
                answerer = _person(who, ms, people)
                at = _stamp(created + timedelta(hours=5 + 20 * k))
                a = {"id": f"{qid}.a{k + 1}", "question_id": qid, "association_id": aid,
                     "author_id": answerer.id, "body_md": text, "accepted": accepted == k,
                     "created": at, "modified": at}
                answer_rows.append(a)
                q.update(answer_count=k + 1, last_answer_at=at, modified=at)
                if answerer.id != author.id:
                    q["status"] = "answered"
                if accepted == k:
                    q.update(accepted_answer_id=a["id"], status="answered")
            stream = pc.assoc_stream(aid)
            cs.put(stream, cq.KIND_QUESTION, question_record(q), new=True)
            conn.execute(insert(db.questions).values(q))
            for a in answer_rows:
                cs.put(stream, cq.KIND_ANSWER, answer_record(a), new=True)
                conn.execute(insert(db.answers).values(a))
            n_questions += 1
            n_answers += len(answer_rows)
        coordinator = people["metodist"]
        for n, (aid, kind, title, description, location, url, days, hour, hours) in \
                enumerate(EVENTS):
            if aid not in members:
                continue
            starts = today + timedelta(days=days, hours=hour)
            e = {"id": f"ev-{n + 1:04d}", "association_id": aid, "author_id": coordinator.id,
                 "kind": kind, "title": title, "description": description,
                 "location": location, "url": url, "starts": _stamp(starts),
                 "ends": _stamp(starts + timedelta(hours=hours)), "cancelled": False,
                 "created": now, "modified": now}
            cs.put(pc.assoc_stream(aid), cq.KIND_EVENT, event_record(e), new=True)
            conn.execute(insert(db.events).values(e))
            n_events += 1
        if members.get("reg-45"):
            # One member the coordinator recognised by hand: the top level, granted.
            conn.execute(insert(db.level_grants).values(
                association_id="reg-45", user_id=_person(3, members["reg-45"], people).id,
                granted_by=coordinator.id, created=now))
        cs.flush()
    leaders.recompute_all(community.engine)
    return n_questions, n_answers, n_events
