"""Benchmark of the local replica: catalog apply rate and search + facets latency.

Generates 100,000 synthetic Russian resources (seeded, no network), applies them in
pages of about 256 KiB of wire bytes (as sync would), then times ``search`` + ``facets``
through a reader connection for 20 Russian queries.

    .venv/bin/python bench/bench_store.py [--resources 100000] [--dir /tmp/okno-bench]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from desktop.store import Filters, Store, open_reader
from protocol.wire import (
    CATALOG_STREAM,
    KIND_COLLECTION,
    KIND_RESOURCE,
    RESOURCE_TYPES,
    Rec,
    dumps,
    rec_line,
)

PAGE_BYTES = 256 * 1024

TOPICS: dict[str, list[str]] = {
    "Математика": ["Дроби", "Десятичные дроби", "Проценты", "Натуральные числа",
                   "Сложение и вычитание дробей", "Делимость чисел", "Площадь и периметр"],
    "Алгебра": ["Квадратные уравнения", "Линейные уравнения", "Системы уравнений",
                "Неравенства", "Функции и графики", "Степени", "Арифметическая прогрессия"],
    "Геометрия": ["Треугольники", "Теорема Пифагора", "Окружность", "Подобие треугольников",
                  "Векторы", "Многоугольники"],
    "Физика": ["Закон Ома", "Электрический ток", "Механическое движение", "Сила тяжести",
               "Давление", "Тепловые явления", "Оптика", "Законы Ньютона"],
    "Химия": ["Периодическая система", "Химические реакции", "Кислоты и основания",
              "Окислительно-восстановительные реакции", "Органическая химия"],
    "Биология": ["Фотосинтез", "Клетка", "Строение растений", "Эволюция", "Генетика",
                 "Экосистемы"],
    "История": ["История России", "Древний мир", "Средние века",
                "Великая Отечественная война", "Петр Первый", "Киевская Русь"],
    "Русский язык": ["Орфография", "Причастие", "Деепричастие", "Сложное предложение",
                     "Морфология", "Пунктуация"],
    "Литература": ["Пушкин", "Лермонтов", "Толстой", "Поэзия Серебряного века",
                   "Басни Крылова"],
    "География": ["Материки и океаны", "Климат России", "Природные зоны", "Население мира",
                  "Карта"],
    "Информатика": ["Алгоритмы", "Программирование на Python", "Системы счисления", "Логика",
                    "Информация"],
    "Обществознание": ["Право", "Экономика", "Государство", "Общество"],
    "Окружающий мир": ["Времена года", "Животные леса", "Растения", "Вода"],
    "Английский язык": ["Present Simple", "Past Simple", "Vocabulary", "Reading"],
}
COMMON = (
    "урок занятие изучение задачи примеры решение учащихся материал упражнения тема "
    "понятие правило определение свойства формула практическая работа самостоятельная "
    "контрольная проверка знаний закрепление повторение объяснение учитель ученики класс "
    "школа рабочая программа методические рекомендации вопросы ответы иллюстрации схемы "
    "таблицы видеофрагмент интерактивное задание тестирование итоговое основные главные "
    "простые сложные новые интересные важные российская федерация россии страны мира"
).split()
SYLLABLES = ("ка ро ми на ле то ва си по лу де ры жи мо ку за те бо ни ча "
             "гра ство ние ция тель ски ный ская ого ому ами ях ов").split()
TITLE_TEMPLATES = (
    "{topic}", "{topic}. {label}", "{topic}: {common} ({grade} класс)",
    "Урок по теме «{topic}»", "{label} «{topic}» для {grade} класса",
    "{topic} — {common} и {common2}",
)
QUERIES = [
    "уравнения", "квадр", "фотосинтез", "закон ома", "история россии", "дроби 5 класс",
    "квадратные уравнения", "теорема пифагора", "пушкин", "клетка", "химические реакции",
    "презентация", "электрический ток", "орфография", "системы счисления",
    "великая отечественная война", "видеоурок физика", "природные зоны", "проценты",
    "арифметическая прог",
]

EXTRA_CASES = [
    ("(empty)", "", Filters()),
    ("(empty) subject=Физика", "", Filters(subjects=("Физика",))),
    ("(empty) grade=5, type=lesson", "", Filters(grades=(5,), types=("lesson",))),
    ("уравнения, grade 8|9", "уравнения", Filters(grades=(8, 9))),
    ("урок (very common word)", "урок", Filters()),
]


def make_vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def make_collections(rng: random.Random, count: int = 300) -> list[dict[str, Any]]:
    out = []
    subjects = list(TOPICS)
    for i in range(count):
        parent = None if i < len(subjects) else f"col-{rng.randrange(len(subjects))}"
        title = subjects[i] if parent is None else f"Серия «{rng.choice(COMMON).capitalize()}» {i}"
        out.append({"id": f"col-{i}", "parent_id": parent, "title": title, "description": "",
                    "kind": "subject" if parent is None else "series", "position": i,
                    "version": 1, "created": "2024-01-01T00:00:00Z",
                    "modified": "2024-01-01T00:00:00Z"})
    return out


def make_resources(rng: random.Random, count: int, collections: int) -> list[dict[str, Any]]:
    vocab = make_vocabulary(rng)
    # Zipf-like weights: a few pseudo-words are everywhere, most are rare.
    weights = [1.0 / (rank + 10) for rank in range(len(vocab))]
    subjects = list(TOPICS)
    types = list(RESOURCE_TYPES)
    out = []
    for i in range(count):
        subject = rng.choice(subjects)
        topic = rng.choice(TOPICS[subject])
        rtype = rng.choice(types)
        grade = rng.randint(1, 11)
        grades = sorted({grade, *(g for g in (grade + 1,) if g <= 11 and rng.random() < 0.3)})
        title = rng.choice(TITLE_TEMPLATES).format(
            topic=topic, label=RESOURCE_TYPES[rtype][0].capitalize(), grade=grade,
            common=rng.choice(COMMON), common2=rng.choice(COMMON))
        words = rng.choices(COMMON, k=rng.randint(8, 25)) + rng.choices(
            vocab, weights, k=rng.randint(10, 40)) + topic.lower().split()
        rng.shuffle(words)
        description = " ".join(words).capitalize() + "."
        files = []
        for n in range(rng.choice((1, 1, 1, 2, 3))):
            sha = hashlib.sha256(f"r{i}-{n}".encode()).hexdigest()
            files.append({"sha256": sha, "name": f"material-{n}.pdf", "mime": "application/pdf",
                          "size": rng.randint(10_000, 50_000_000)})
        out.append({
            "id": f"res-{i}", "title": title, "description": description,
            "authors": [f"{rng.choice(('Иванова', 'Петров', 'Смирнова', 'Кузнецов'))} "
                        f"{rng.choice('АБВГДЕЖИКЛМНОП')}. {rng.choice('АБВГДЕЖИКЛМНОП')}."],
            "subjects": [subject], "grades": grades, "type": rtype, "language": "ru",
            "license": "CC BY 4.0", "keywords": [topic.lower(), rng.choice(COMMON)],
            "collections": sorted({f"col-{subjects.index(subject)}",
                                   f"col-{rng.randrange(len(subjects), collections)}"}),
            "files": files, "created": "2024-01-01T00:00:00Z",
            "modified": "2024-02-01T00:00:00Z", "version": 1,
        })
    return out


def make_pages(datas: list[tuple[str, dict[str, Any]]]) -> list[tuple[list[Rec], int, int]]:
    """Split records into pages of about PAGE_BYTES wire bytes: (records, cursor, bytes)."""
    pages: list[tuple[list[Rec], int, int]] = []
    page: list[Rec] = []
    size = 0
    for seq, (kind, d) in enumerate(datas, start=1):
        size += len(dumps(rec_line(CATALOG_STREAM, kind, d, seq)))
        page.append(Rec(CATALOG_STREAM, kind, d["id"], d["version"], seq, d))
        if size >= PAGE_BYTES:
            pages.append((page, seq, size))
            page, size = [], 0
    if page:
        pages.append((page, len(datas), size))
    return pages


def timed(reader: Any, query: str, filters: Filters, repeat: int) -> tuple[int, list[float]]:
    """Hits, and milliseconds of search + facets for each of ``repeat`` runs."""
    runs = []
    hits = 0
    for _ in range(repeat):
        t = time.perf_counter()
        hits = len(reader.search(query, filters))
        reader.facets(query, filters)
        runs.append((time.perf_counter() - t) * 1e3)
    return hits, runs


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None, help="keep the database here")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per query")
    args = parser.parse_args(argv)
    rng = random.Random(20240501)

    t = time.perf_counter()
    collections = make_collections(rng)
    resources = make_resources(rng, args.resources, len(collections))
    datas = [(KIND_COLLECTION, c) for c in collections] + [(KIND_RESOURCE, r) for r in resources]
    pages = make_pages(datas)
    wire = sum(p[2] for p in pages)
    print(f"generated {len(resources):,} resources + {len(collections)} collections, "
          f"{wire / 2**20:.1f} MiB of wire JSON in {len(pages)} pages "
          f"({time.perf_counter() - t:.1f} s)")

    if args.dir is None:
        with tempfile.TemporaryDirectory(prefix="okno-bench-") as tmp:
            run(Path(tmp) / "okno.sqlite3", pages, datas, wire, args.repeat)
    else:
        args.dir.mkdir(parents=True, exist_ok=True)
        run(args.dir / "okno.sqlite3", pages, datas, wire, args.repeat)


def run(db_path: Path, pages: list, datas: list, wire: int, repeat: int) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    store = Store(db_path)
    t, cpu = time.perf_counter(), time.process_time()
    for records, cursor, _ in pages:
        store.apply_page(CATALOG_STREAM, records, cursor, "bench-portal")
    elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"apply: {len(datas):,} records in {elapsed:.2f} s = {len(datas) / elapsed:,.0f} "
          f"records/s ({wire / elapsed / 2**20:.1f} MiB/s of wire JSON, incl. search index "
          f"and facets, synchronous=FULL); CPU {cpu:.2f} s = {len(datas) / cpu:,.0f} "
          "records per CPU-second")
    t = time.perf_counter()
    replay = store.apply_page(CATALOG_STREAM, pages[-1][0], pages[-1][1], "bench-portal")
    print(f"replayed last page: changed={bool(replay)} in {(time.perf_counter() - t) * 1e3:.1f} ms")
    size = sum(Path(f"{db_path}{s}").stat().st_size
               for s in ("", "-wal") if Path(f"{db_path}{s}").exists())
    print(f"database: {size / 2**20:.0f} MiB")

    reader = open_reader(db_path)
    reader.search("")  # warm the page cache as a running app would have it
    reader.facets("")
    lat: list[float] = []
    header = f"search+facets ms (median of {repeat})"
    print(f"\n{'query':32} {'hits':>7} {header:>34}")
    for query in QUERIES:
        hits, runs = timed(reader, query, Filters(), repeat)
        lat += runs
        print(f"{query:32} {hits:>7,} {statistics.median(runs):>34.1f}")
    print(f"\nsearch+facets over {len(QUERIES)} queries x {repeat}: "
          f"p50 {pct(lat, 0.5):.1f} ms, p95 {pct(lat, 0.95):.1f} ms, max {max(lat):.1f} ms")

    print("\nother cases (median ms):")
    for label, query, filters in EXTRA_CASES:
        hits, runs = timed(reader, query, filters, repeat)
        print(f"  {label:36} {hits:>7,} hits {statistics.median(runs):8.1f}")

    t = time.perf_counter()
    problems = store.check_integrity()
    print(f"\ncheck_integrity: {len(problems)} problems in {time.perf_counter() - t:.1f} s")
    reader.close()
    store.close()
    if problems:
        print("\n".join(problems))
        sys.exit(1)


if __name__ == "__main__":
    main()
