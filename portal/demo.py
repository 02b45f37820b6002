"""Deterministic generator of a realistic Russian school library for demos and tests.

>>> lib = build_demo(1000, seed=1)
>>> first = next(lib.resources())
>>> first["title"]
'Квадратное уравнение и его корни. Урок для 8 класса'

* ``collections`` are built eagerly: one per subject, the publishers, series nested under
  subjects and thematic ("topic") collections.
* ``resources()`` generates records lazily. Resource ``i`` depends only on ``(seed, i)``, so
  the first resources of ``build_demo(10)`` equal those of ``build_demo(200_000)``, and
  :meth:`DemoLibrary.resource` gives random access.
* Files are small real files (PDF with Cyrillic text, PNG, WAV, UTF-8 text/Markdown). The
  first :data:`POOL_SIZE` resources get files of their own; later resources reuse a file of
  the pool (content addressed: same sha256, their own file name). The pool is built once per
  ``(seed, size)`` and cached, so repeated ``build_demo`` calls are cheap.

Records carry no ``version``/``created``/``modified``: the portal sets those.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import random
import re
import shutil
import struct
import subprocess
import tempfile
import textwrap
import wave
import zlib
from bisect import bisect
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

from portal.demo_data import (
    COMMON_TYPES,
    DESCRIPTION_DETAILS,
    DESCRIPTION_LEADS,
    ENGLISH_TRANSCRIPT,
    EXTRA_KEYWORDS,
    FEMALE_NAMES,
    GENERAL_DETAILS,
    LAB_SUBJECTS,
    LAB_TOPICS,
    LICENSES,
    MALE_NAMES,
    PATRONYMICS,
    PDF_SECTIONS,
    PRACTICAL_TEMPLATES,
    PUBLISHERS,
    RELATED_SUBJECTS,
    SERIES,
    SUBJECTS,
    SURNAMES,
    THEMES,
    TITLE_TEMPLATES,
    TYPE_WEIGHTS,
    Subject,
)
from protocol.wire import RESOURCE_TYPES

__all__ = ["POOL_SIZE", "DemoFontError", "DemoLibrary", "build_demo", "find_font"]

POOL_SIZE = 300  # resources with files of their own; later ones reuse these files
DEFAULT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_ENV = "OKNO_DEMO_FONT"  # overrides the TrueType font used for PDFs

MIME = {
    "pdf": "application/pdf",
    "png": "image/png",
    "wav": "audio/wav",
    "txt": "text/plain",
    "md": "text/markdown",
}
_TEXT_FALLBACK = {"md": "txt", "txt": "md"}

# Pinned (subject, topic, type, title template index) of the first resources, so that even a
# tiny library has showcase titles (for search tests) and every kind of file in its pool.
_PINNED: tuple[tuple[str, str, str, int], ...] = (
    ("Алгебра", "Квадратное уравнение и его корни", "lesson", 0),
    ("Алгебра", "Решение квадратных уравнений по формуле", "interactive_test", 0),
    ("Русский язык", "Правописание приставок", "methodical_guide", 1),
    ("Биология", "Фотосинтез", "presentation", 0),
    ("Физика", "Закон Ома для участка цепи", "lab_work", 0),
    ("Английский язык", "Present Simple", "audio", 0),
    ("История", "Смутное время", "video_lesson", 0),
    ("Геометрия", "Теорема Пифагора", "image", 1),
    ("Математика", "Дроби", "workbook", 0),
    ("Алгебра", "Уравнения, сводящиеся к квадратным", "presentation", 1),
)

# A fixed date stamped into generated PDFs so that their bytes are reproducible.
_PDF_DATE = datetime(2024, 9, 1, 9, 0, tzinfo=UTC)


class DemoFontError(RuntimeError):
    """No usable TrueType font with Cyrillic glyphs was found for the demo PDFs."""


# ---------------------------------------------------------------------------------------------
# Public API


@dataclass
class DemoLibrary:
    """A generated library: collections and blobs up front, resources on demand."""

    collections: list[dict[str, Any]]
    blobs: dict[str, bytes]  # sha256 hex -> content; covers every file of every resource
    n_resources: int
    seed: int
    _generator: _Generator = field(repr=False, compare=False)
    _pool: _Pool = field(repr=False, compare=False)

    def resources(self) -> Iterator[dict[str, Any]]:
        """Yield the resources in id order; each call starts over and yields equal dicts."""
        generator, pool = self._generator, self._pool
        for index in range(self.n_resources):
            yield generator.resource(index, pool)

    def resource(self, index: int) -> dict[str, Any]:
        """The resource number ``index`` (0-based), without generating the ones before it."""
        if not 0 <= index < self.n_resources:
            raise IndexError(f"resource index {index} is out of range 0..{self.n_resources - 1}")
        return self._generator.resource(index, self._pool)


def build_demo(n_resources: int, seed: int = 1) -> DemoLibrary:
    """Build a demo library of ``n_resources`` resources, deterministically from ``seed``."""
    if n_resources < 0:
        raise ValueError("n_resources must not be negative")
    generator = _generator(seed)
    pool = _pool(seed, min(n_resources, POOL_SIZE))
    return DemoLibrary(
        collections=[dict(c) for c in generator.collections],
        blobs=dict(pool.blobs),
        n_resources=n_resources,
        seed=seed,
        _generator=generator,
        _pool=pool,
    )


def resource_id(index: int) -> str:
    return f"res-{index:06d}"


# ---------------------------------------------------------------------------------------------
# Catalog model


@dataclass(frozen=True, slots=True)
class _Topic:
    """A curriculum topic of one subject and grade, with everything derived from it once."""

    subject: Subject
    topic: str
    grade: int
    quoted: str  # «topic», inner quotes turned into „“
    stem: str  # file name stem without the grade part
    themes: tuple[str, ...]  # thematic collection ids the topic belongs to


@dataclass(frozen=True, slots=True)
class _Choice:
    """Items with a precomputed cumulative weight table."""

    items: tuple[Any, ...]
    cum: tuple[int, ...]

    @classmethod
    def of(cls, pairs: Sequence[tuple[Any, int]]) -> _Choice:
        return cls(tuple(p[0] for p in pairs), tuple(accumulate(p[1] for p in pairs)))

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect(self.cum, rng.random() * self.cum[-1])]


@dataclass(frozen=True, slots=True)
class _FileMeta:
    sha256: str
    size: int
    kind: str  # pdf | png | wav | txt | md


@dataclass(frozen=True, slots=True)
class _Planned:
    """A file a resource should have: its kind, its role (name suffix) and content style."""

    kind: str
    suffix: str
    style: str


class _Draft(NamedTuple):
    record: dict[str, Any]
    topic: _Topic
    plan: list[_Planned]
    rng: random.Random  # continues where the record left off; picks reused files


@dataclass
class _Pool:
    """Distinct file contents of the first resources, and an index to reuse them."""

    blobs: dict[str, bytes]
    own: list[list[_FileMeta]]  # own[i]: the files of resource i, i < len(own)
    by_key: dict[tuple[Any, ...], list[_FileMeta]]


def _quote(text: str) -> str:
    return "«" + text.replace("«", "„").replace("»", "“") + "»"


_WORD_RE = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")


def _stem(text: str) -> str:
    return "_".join(_WORD_RE.findall(text))[:80].rstrip("_") or "ресурс"


def _grades_label(grades: Sequence[int]) -> str:
    if len(grades) == 1:
        return f"{grades[0]}_класс"
    return f"{grades[0]}-{grades[-1]}_классы"


class _Generator:
    """Collections plus a pure function from (seed, index) to a resource record."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._seed_base = (seed & 0xFFFF_FFFF_FFFF_FFFF) << 40
        self.subjects = {s.name: s for s in SUBJECTS}
        self.collections: list[dict[str, Any]] = []
        self._build_collections()
        self._subject_choice = _Choice.of([(s, s.weight) for s in SUBJECTS])
        self._types: dict[str, _Choice] = {}
        self._topics: dict[str, tuple[_Topic, ...]] = {}
        self._topic_index: dict[tuple[str, str], _Topic] = {}
        self._lab_topics: dict[str, tuple[_Topic, ...]] = {}
        for s in SUBJECTS:
            types = COMMON_TYPES + s.types
            self._types[s.name] = _Choice.of([(t, TYPE_WEIGHTS[t]) for t in types])
            topics = []
            for grade in s.grades:
                for topic in s.topics[grade]:
                    low = topic.lower()
                    themes = tuple(
                        f"topic-{th.slug}" for th in THEMES
                        if s.name in th.subjects and any(stem in low for stem in th.stems)
                    )
                    t = _Topic(s, topic, grade, _quote(topic), _stem(topic), themes)
                    topics.append(t)
                    self._topic_index[(s.name, topic)] = t
            self._topics[s.name] = tuple(topics)
            if "lab_work" in s.types:
                self._lab_topics[s.name] = tuple(
                    t for t in topics if t.topic in LAB_TOPICS[s.name])
        self._publishers: dict[tuple[str, int], _Choice] = {}
        for s in SUBJECTS:
            for grade in s.grades:
                self._publishers[(s.name, grade)] = _Choice.of([
                    (f"pub-{p.slug}", p.weight) for p in PUBLISHERS
                    if (not p.subjects or s.name in p.subjects)
                    and (not p.grades or grade in p.grades)
                ])
        self._series: dict[tuple[str, int], tuple[str, ...]] = {
            (s.name, grade): tuple(
                f"ser-{sr.slug}" for sr in SERIES if s.name in sr.subjects and grade in sr.grades
            )
            for s in SUBJECTS for grade in s.grades
        }
        self._licenses = _Choice.of(LICENSES)
        self._authors = self._author_pools()

    # -- collections -------------------------------------------------------------------------

    def _build_collections(self) -> None:
        out = self.collections
        positions: dict[str | None, int] = {}

        def add(cid: str, parent: str | None, title: str, description: str, kind: str) -> None:
            position = positions.get(parent, 0)
            positions[parent] = position + 1
            out.append({"id": cid, "parent_id": parent, "title": title,
                        "description": description, "kind": kind, "position": position})

        for s in SUBJECTS:
            lo, hi = s.grades[0], s.grades[-1]
            add(f"subj-{s.slug}", None, s.name,
                f"Электронные образовательные ресурсы по {s.dative} для {lo}–{hi} классов:"
                " уроки, презентации, тесты и методические материалы.", "subject")
        by_name = {s.name: f"subj-{s.slug}" for s in SUBJECTS}
        for sr in SERIES:
            add(f"ser-{sr.slug}", by_name[sr.parent], sr.title, sr.description, "series")
        for th in THEMES:
            parent = by_name[th.parent] if th.parent else None
            add(f"topic-{th.slug}", parent, th.title, th.description, "topic")
        for p in PUBLISHERS:
            add(f"pub-{p.slug}", None, p.title, p.description, "publisher")

    # -- people ------------------------------------------------------------------------------

    def _author_pools(self) -> dict[str, tuple[str, ...]]:
        """A stable set of authors per subject, so that an author has many resources."""
        rng = random.Random(f"okno-demo-authors:{self.seed}")
        pools: dict[str, tuple[str, ...]] = {}
        for s in SUBJECTS:
            names: dict[str, None] = {}
            while len(names) < 10 + 2 * s.weight:
                surname_m, surname_f = rng.choice(SURNAMES)
                patronymic_m, patronymic_f = rng.choice(PATRONYMICS)
                if rng.random() < 0.75:
                    name = f"{surname_f} {rng.choice(FEMALE_NAMES)} {patronymic_f}"
                else:
                    name = f"{surname_m} {rng.choice(MALE_NAMES)} {patronymic_m}"
                names[name] = None
            pools[s.name] = tuple(names)
        return pools

    # -- resources ---------------------------------------------------------------------------

    def resource(self, index: int, pool: _Pool) -> dict[str, Any]:
        record, topic, plan, rng = self.draft(index)
        if index < len(pool.own):
            metas = pool.own[index]
        else:
            metas = [self._reuse(pool, record, p, rng) for p in plan]
        grades_label = _grades_label(record["grades"])
        stem = topic.stem
        record["files"] = [
            {"sha256": m.sha256, "name": f"{stem}_{grades_label}{p.suffix}.{m.kind}",
             "mime": MIME[m.kind], "size": m.size}
            for p, m in zip(plan, metas, strict=True)
        ]
        return record

    def draft(self, index: int) -> _Draft:
        """Resource ``index`` without files, with its topic, file plan and rng."""
        rng = random.Random(self._seed_base + index)
        if index < len(_PINNED):
            subject_name, topic_name, rtype, template = _PINNED[index]
            subject = self.subjects[subject_name]
            topic = self._topic_index[(subject_name, topic_name)]
        else:
            subject = self._subject_choice.pick(rng)
            rtype = self._types[subject.name].pick(rng)
            topic = rng.choice(self._lab_topics[subject.name] if rtype == "lab_work"
                               else self._topics[subject.name])
            template = -1
        grade = topic.grade
        grades = [grade]
        if rtype == "methodical_guide" and rng.random() < 0.35:
            other = grade + 1 if grade + 1 in subject.topics else grade - 1
            if other in subject.topics:
                grades = sorted((grade, other))
        subjects = [subject.name]
        related = RELATED_SUBJECTS.get(subject.name)
        if related and rng.random() < 0.06:
            extra = self.subjects[rng.choice(related)]
            if all(g in extra.topics for g in grades):
                subjects.append(extra.name)
        language = "ru"
        if subject.name == "Английский язык" and rtype != "methodical_guide" and (
                rtype == "audio" or rng.random() < 0.4):
            language = "en"
        fmt = {"topic": topic.topic, "q": topic.quoted, "grade": grade,
               "genitive": subject.genitive, "dative": subject.dative}
        templates = TITLE_TEMPLATES[rtype]
        if rtype == "lab_work" and subject.name not in LAB_SUBJECTS:
            templates = PRACTICAL_TEMPLATES
        if template < 0:
            template = rng.randrange(len(templates))
        title = templates[template].format_map(fmt)
        sentences = [rng.choice(DESCRIPTION_LEADS[rtype]).format_map(fmt)]
        details = DESCRIPTION_DETAILS[rtype]
        sentences += rng.sample(details, rng.randint(1, min(2, len(details))))
        if language == "en":
            sentences.append("Задания и тексты даны на английском языке.")
        elif rng.random() < 0.5:
            sentences.append(rng.choice(GENERAL_DETAILS))
        pool = self._authors[subject.name]
        authors = rng.sample(pool, 1 if rng.random() < 0.6 else (2 if rng.random() < 0.75 else 3))
        collections = [f"subj-{self.subjects[name].slug}" for name in subjects]
        collections.append(self._publishers[(subject.name, grade)].pick(rng))
        series = self._series[(subject.name, grade)]
        keywords = [topic.topic, subject.name, RESOURCE_TYPES[rtype][0],
                    *(f"{g} класс" for g in grades)]
        if series and rng.random() < 0.5:
            chosen = rng.choice(series)
            collections.append(chosen)
            for suffix, exam in (("-oge", "ОГЭ"), ("-ege", "ЕГЭ"), ("-vpr", "ВПР")):
                if chosen.endswith(suffix):
                    keywords.append(exam)
        collections.extend(topic.themes)
        keywords.append(rng.choice(EXTRA_KEYWORDS))
        record: dict[str, Any] = {
            "id": resource_id(index),
            "title": title,
            "description": " ".join(sentences),
            "authors": authors,
            "subjects": subjects,
            "grades": grades,
            "type": rtype,
            "language": language,
            "license": self._licenses.pick(rng),
            "keywords": list(dict.fromkeys(keywords)),
            "collections": collections,
        }
        plan = _file_plan(rtype, subject, rng, pinned=index < len(_PINNED))
        return _Draft(record, topic, plan, rng)

    def _reuse(self, pool: _Pool, record: dict[str, Any], planned: _Planned,
               rng: random.Random) -> _FileMeta:
        subject = record["subjects"][0]
        kinds = (planned.kind, _TEXT_FALLBACK.get(planned.kind))
        for key in ((subject, planned.style, planned.kind), (planned.style, planned.kind),
                    (subject, planned.kind), (planned.kind,), (kinds[1],)):
            candidates = pool.by_key.get(key)
            if candidates:
                return rng.choice(candidates)
        raise AssertionError(f"the file pool has no {planned.kind} file")  # pinned rows add all


def _file_plan(rtype: str, subject: Subject, rng: random.Random, *,
               pinned: bool) -> list[_Planned]:
    """Which files a resource of this type has. Pinned resources take the first option."""

    def chance(p: float) -> bool:
        return not pinned and rng.random() < p

    if rtype == "lesson":
        plan = [_Planned("pdf", "", "lesson")]
        if chance(0.3):
            plan.append(_Planned("png", "_иллюстрация", "chart"))
    elif rtype == "presentation":
        plan = [_Planned("pdf", "_презентация", "slides")]
        if chance(0.2):
            plan.append(_Planned("png", "_схема", "chart"))
    elif rtype == "video_lesson":
        plan = [_Planned("png", "_кадр_видеоурока", "poster"),
                _Planned("pdf", "_конспект_видеоурока", "video_lesson")]
    elif rtype == "interactive_test":
        plan = [_Planned("pdf", "_тест", "interactive_test") if chance(0.4)
                else _Planned("txt", "_тест", "test")]
    elif rtype == "workbook":
        plan = [_Planned("pdf", "_рабочая_тетрадь", "workbook")]
    elif rtype == "methodical_guide":
        roll = 0.0 if pinned else rng.random()
        if roll < 0.5:
            plan = [_Planned("txt", "_методическое_пособие", "guide")]
        elif roll < 0.7:
            plan = [_Planned("md", "_методическое_пособие", "guide")]
        else:
            plan = [_Planned("pdf", "_методические_рекомендации", "methodical_guide")]
    elif rtype == "audio":
        plan = [_Planned("wav", "_аудио", "melody" if subject.name == "Музыка" else "tone")]
        if chance(0.4):
            plan.append(_Planned("txt", "_текст_аудиозаписи", "transcript"))
    elif rtype == "image":
        plan = [_Planned("png", "_иллюстрация", "chart")]
    elif rtype == "lab_work":
        plan = [_Planned("pdf", "_лабораторная_работа", "lab_work")]
        if chance(0.4):
            plan.append(_Planned("png", "_схема_установки", "chart"))
    else:  # pragma: no cover - RESOURCE_TYPES and TYPE_WEIGHTS are kept in step
        raise ValueError(f"unknown resource type {rtype}")
    return plan


@lru_cache(maxsize=8)
def _generator(seed: int) -> _Generator:
    return _Generator(seed)


# ---------------------------------------------------------------------------------------------
# File pool


@lru_cache(maxsize=4)
def _pool(seed: int, size: int) -> _Pool:
    """Generate the files of the first ``size`` resources (at most once per process)."""
    generator = _generator(seed)
    pool = _Pool({}, [], {})
    if size == 0:
        return pool
    with _pdf_maker() as make_pdf:
        for index in range(size):
            record, topic, plan, _ = generator.draft(index)
            doc = _Doc.of(record, topic, generator.subjects, index, seed)
            subject = record["subjects"][0]
            metas = []
            for planned in plan:
                if planned.kind == "pdf":
                    content = make_pdf(doc, planned.style)
                else:
                    content = _make_file(doc, planned)
                meta = _store(pool.blobs, content, planned.kind)
                metas.append(meta)
                for key in ((subject, planned.style, planned.kind),
                            (planned.style, planned.kind), (subject, planned.kind),
                            (planned.kind,)):
                    pool.by_key.setdefault(key, []).append(meta)
            pool.own.append(metas)
    return pool


def _store(blobs: dict[str, bytes], content: bytes, kind: str) -> _FileMeta:
    sha = hashlib.sha256(content).hexdigest()
    blobs[sha] = content
    return _FileMeta(sha, len(content), kind)


@dataclass(frozen=True, slots=True)
class _Doc:
    """What file contents are made of."""

    title: str
    topic: str
    quoted: str
    subject: str
    genitive: str
    dative: str
    grades: tuple[int, ...]
    rtype: str
    language: str
    authors: tuple[str, ...]
    description: str
    license: str
    keywords: tuple[str, ...]
    color: tuple[int, int, int]
    content_seed: str

    @classmethod
    def of(cls, record: dict[str, Any], topic: _Topic, subjects: dict[str, Subject],
           index: int, seed: int) -> _Doc:
        subject = subjects[record["subjects"][0]]
        return cls(record["title"], topic.topic, topic.quoted, subject.name, subject.genitive,
                   subject.dative, tuple(record["grades"]), record["type"], record["language"],
                   tuple(record["authors"]), record["description"], record["license"],
                   tuple(record["keywords"]), subject.color, f"okno-demo-file:{seed}:{index}")

    @property
    def grade_text(self) -> str:
        if len(self.grades) == 1:
            return f"{self.grades[0]} класс"
        return f"{self.grades[0]}–{self.grades[-1]} классы"

    def fmt(self) -> dict[str, Any]:
        return {"topic": self.topic, "q": self.quoted, "grade": self.grades[0],
                "genitive": self.genitive, "dative": self.dative}

    def sections(self) -> list[tuple[str, list[str]]]:
        values = self.fmt()
        return [(heading, body.format_map(values).split("\n"))
                for heading, body in PDF_SECTIONS[self.rtype]]


def _make_file(doc: _Doc, planned: _Planned) -> bytes:
    rng = random.Random(f"{doc.content_seed}:{planned.style}")
    if planned.kind == "png":
        return make_png(200, 120, doc.color, rng, poster=planned.style == "poster")
    if planned.kind == "wav":
        return make_wav(rng, melody=planned.style == "melody")
    if planned.kind == "txt":
        return b"\xef\xbb\xbf" + _text_document(doc, planned.style, markdown=False).encode()
    if planned.kind == "md":
        return _text_document(doc, planned.style, markdown=True).encode()
    raise ValueError(f"no generator for {planned.kind}")  # pragma: no cover


# -- PNG ----------------------------------------------------------------------------------------


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(
        ">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def make_png(width: int, height: int, color: tuple[int, int, int], rng: random.Random, *,
             poster: bool = False) -> bytes:
    """A small RGB picture: a gradient with a bar chart, or a video poster with a play sign."""
    r0, g0, b0 = color
    rows: list[bytearray] = []
    for y in range(height):
        t = y / max(1, height - 1)  # light at the top, the subject colour at the bottom
        pixel = bytes((int(255 + (r0 - 255) * t * 0.6), int(255 + (g0 - 255) * t * 0.6),
                       int(255 + (b0 - 255) * t * 0.6)))
        rows.append(bytearray(pixel * width))
    dark = bytes((max(0, r0 - 60), max(0, g0 - 60), max(0, b0 - 60)))
    if poster:
        cx, cy, size = width // 2, height // 2, min(width, height) // 3
        white = b"\xff\xff\xff"
        for y in range(cy - size, cy + size):
            half = (size - abs(y - cy)) * 3 // 2  # a right-pointing triangle
            x0 = cx - size // 2
            rows[y][x0 * 3:(x0 + half) * 3] = white * half
        for y in (height - 12, height - 11):  # a progress bar
            rows[y][10 * 3:(width - 10) * 3] = dark * (width - 20)
    else:
        base, left, right, top = height - 12, 14, width - 8, 12
        bars = rng.randint(4, 7)
        step = (right - left) // bars
        for i in range(bars):
            bar_top = rng.randint(top, base - 10)
            x0, x1 = left + i * step + 3, left + (i + 1) * step - 3
            shade = bytes(min(255, c + 25 * (i % 3)) for c in color)
            for y in range(bar_top, base):
                rows[y][x0 * 3:x1 * 3] = shade * (x1 - x0)
        rows[base][left * 3:right * 3] = dark * (right - left)  # x axis
        for y in range(top - 4, base + 1):  # y axis
            rows[y][left * 3:(left + 1) * 3] = dark
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(raw, 9)) + _png_chunk(b"IEND", b""))


# -- WAV ----------------------------------------------------------------------------------------

_SCALE_HZ = (261.63, 293.66, 329.63, 392.00, 440.00, 523.25)  # C major pentatonic


def make_wav(rng: random.Random, *, melody: bool = False, rate: int = 8000,
             seconds: float = 1.0) -> bytes:
    """A short 16-bit mono WAV: one tone, or four notes of a pentatonic melody."""
    total = int(rate * seconds)
    notes = [rng.choice(_SCALE_HZ) for _ in range(4 if melody else 1)]
    per_note = total // len(notes)
    samples: list[int] = []
    for freq in notes:
        step = 2 * math.pi * freq / rate
        fade = max(1, per_note // 10)
        for n in range(per_note):
            envelope = min(1.0, n / fade, (per_note - n) / fade)
            samples.append(int(12000 * envelope * math.sin(step * n)))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return out.getvalue()


# -- text ---------------------------------------------------------------------------------------


def _text_document(doc: _Doc, style: str, *, markdown: bool) -> str:
    h1, h2 = ("# ", "## ") if markdown else ("", "")
    lines = [f"{h1}{doc.title}", ""]
    if not markdown:
        lines.insert(1, "=" * min(len(doc.title), 60))
    lines += [f"Предмет: {doc.subject}. {doc.grade_text}.",
              f"Авторы: {', '.join(doc.authors)}.", f"Лицензия: {doc.license}.", "",
              textwrap.fill(doc.description, 90), ""]
    if style == "transcript":
        values = doc.fmt()
        sections = [("Текст аудиозаписи", [line.format_map(values) for line in ENGLISH_TRANSCRIPT])
                    ] if doc.language == "en" else doc.sections()
    else:
        sections = doc.sections()
    for heading, body in sections:
        lines += [f"{h2}{heading}", ""]
        for paragraph in body:
            lines += textwrap.wrap(paragraph, 90) or [""]
        lines.append("")
    lines += ["---" if markdown else "-" * 40,
              "Демонстрационный материал библиотеки «Окно».", ""]
    return "\n".join(lines).replace("\n", "\r\n") if not markdown else "\n".join(lines)


# -- PDF ----------------------------------------------------------------------------------------


def find_font(explicit: str | os.PathLike[str] | None = None) -> Path:
    """A TrueType font with Cyrillic glyphs: the argument, $OKNO_DEMO_FONT, DejaVu Sans or
    whatever fontconfig offers for Russian. Raises :class:`DemoFontError` when none is found."""
    for candidate in (explicit, os.environ.get(FONT_ENV)):
        if candidate:
            path = Path(candidate)
            if not path.is_file():
                raise DemoFontError(f"font file {path} does not exist")
            return path
    if DEFAULT_FONT.is_file():
        return DEFAULT_FONT
    fc_match = shutil.which("fc-match")
    if fc_match:
        try:
            found = subprocess.run([fc_match, "-f", "%{file}", "sans-serif:lang=ru"],
                                   capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and Path(found).suffix.lower() in (".ttf", ".otf", ".ttc") \
                and Path(found).is_file():
            return Path(found)
    raise DemoFontError(
        f"No TrueType font with Cyrillic letters for the demo PDFs: install DejaVu Sans"
        f" (package fonts-dejavu-core) or set {FONT_ENV} to the path of a .ttf file")


# Characters the demo texts use: ASCII, Russian letters, «», dashes, bullets, №.
_FONT_CHARS = frozenset(
    [*range(0x20, 0x7F), *range(0x410, 0x450), 0x401, 0x451, 0xA0, 0xAB, 0xB7, 0xBB, 0xD7,
     0x2013, 0x2014, 0x201C, 0x201E, 0x2022, 0x2026, 0x2116])


@contextmanager
def _subset_font(font: Path) -> Iterator[Path]:
    """Yield a copy of ``font`` cut down to the characters the demo uses.

    fpdf2 parses and subsets the font for every document; a 30 KB font instead of a 700 KB
    one makes each PDF about three times faster. Falls back to the full font on any error.
    """
    from fontTools import subset, ttLib

    with tempfile.TemporaryDirectory(prefix="okno-demo-font-",
                                     ignore_cleanup_errors=True) as tmp:
        target = Path(tmp) / "demo-font.ttf"
        try:
            tt = ttLib.TTFont(str(font), fontNumber=0, recalcTimestamp=False)
            options = subset.Options()
            options.layout_features = []
            options.hinting = False
            options.notdef_outline = True
            options.drop_tables += ["FFTM"]
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=sorted(_FONT_CHARS))
            subsetter.subset(tt)
            tt.save(str(target))
            tt.close()
        except Exception:  # noqa: BLE001 - any failure: use the original font, just slower
            target = font
        yield target


@contextmanager
def _pdf_maker() -> Iterator[Any]:
    from fpdf import FPDF

    font = find_font()
    with _subset_font(font) as usable:
        def make(doc: _Doc, style: str) -> bytes:
            pdf = FPDF(orientation="L" if style == "slides" else "P", unit="mm", format="A4")
            pdf.add_font("Demo", "", str(usable))
            for added in pdf.fonts.values():
                # The glyphs are copied unchanged, so their stored bounding boxes stay right;
                # recomputing them on every save would double the time per PDF.
                tt = getattr(added, "ttfont", None)
                if tt is not None:
                    tt.recalcBBoxes = False
            pdf.set_creation_date(_PDF_DATE)
            pdf.set_title(doc.title)
            pdf.set_author(", ".join(doc.authors))
            pdf.set_subject(f"{doc.subject}, {doc.grade_text}")
            pdf.set_keywords(", ".join(doc.keywords))
            pdf.set_creator("Okno demo library generator")
            pdf.set_lang("ru")
            pdf.set_auto_page_break(False)
            if style == "slides":
                _draw_slides(pdf, doc)
            else:
                _draw_document(pdf, doc)
            return bytes(pdf.output())

        yield make


def _wrap(pdf: Any, text: str, width: float) -> list[str]:
    """Greedy word wrap to ``width`` mm in the current font (cheaper than multi_cell)."""
    average = pdf.get_string_width(text) / max(1, len(text))
    chars = max(8, int(width / max(average, 0.1)))
    for _ in range(6):
        lines = textwrap.wrap(text, chars) or [""]
        if all(pdf.get_string_width(line) <= width for line in lines):
            return lines
        chars = max(8, int(chars * 0.9))
    return lines


def _draw_document(pdf: Any, doc: _Doc) -> None:
    left, width, bottom = 20.0, 170.0, 280.0
    r, g, b = doc.color
    pdf.add_page()
    pdf.set_fill_color(r, g, b)
    pdf.rect(0, 0, 210, 14, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Demo", size=10)
    pdf.text(left, 9, f"Библиотека «Окно» · {doc.subject} · {doc.grade_text}")
    y = 28.0

    def write(text: str, size: float, color: tuple[int, int, int] = (30, 30, 30),
              gap: float = 1.5) -> None:
        nonlocal y
        pdf.set_font("Demo", size=size)
        pdf.set_text_color(*color)
        step = size * 0.45
        for line in _wrap(pdf, text, width):
            if y > bottom:
                pdf.add_page()
                y = 20.0
            pdf.text(left, y, line)
            y += step
        y += gap

    write(doc.title, 16, (r // 2, g // 2, b // 2), 3)
    write(f"{doc.subject}, {doc.grade_text}. {RESOURCE_TYPES[doc.rtype][0].capitalize()}.", 11,
          (90, 90, 90), 0)
    write(f"Авторы: {', '.join(doc.authors)}", 10, (90, 90, 90), 3)
    pdf.set_draw_color(r, g, b)
    pdf.line(left, y - 4, left + width, y - 4)
    write(doc.description, 11, gap=4)
    for heading, body in doc.sections():
        write(heading, 13, (r // 2, g // 2, b // 2), 1)
        for paragraph in body:
            write(paragraph, 11, gap=1)
        if doc.rtype == "workbook":
            pdf.set_draw_color(180, 180, 180)
            for _ in range(3):  # lines to write the answer on
                y += 3
                pdf.line(left, y, left + width, y)
            y += 5
        y += 3
    if doc.rtype in ("lab_work", "lesson") and y < bottom - 45:
        _draw_chart(pdf, left, y + 5, doc)
    pdf.set_font("Demo", size=8)
    pdf.set_text_color(120, 120, 120)
    pdf.text(left, 290, f"Демонстрационный материал библиотеки «Окно». Лицензия: {doc.license}.")


def _draw_chart(pdf: Any, x: float, y: float, doc: _Doc) -> None:
    rng = random.Random(f"{doc.content_seed}:chart")
    r, g, b = doc.color
    pdf.set_draw_color(60, 60, 60)
    pdf.line(x, y + 35, x + 80, y + 35)
    pdf.line(x, y, x, y + 35)
    for i in range(5):
        height = rng.uniform(8, 33)
        pdf.set_fill_color(min(255, r + 30 * (i % 3)), min(255, g + 20 * (i % 2)), b)
        pdf.rect(x + 4 + i * 15, y + 35 - height, 10, height, style="F")
    pdf.set_font("Demo", size=9)
    pdf.set_text_color(90, 90, 90)
    caption = "Результаты измерений" if doc.rtype == "lab_work" else "Диаграмма к уроку"
    pdf.text(x, y + 41, f"Рис. 1. {caption} (пример)")


def _draw_slides(pdf: Any, doc: _Doc) -> None:
    r, g, b = doc.color

    def slide(heading: str, lines: Sequence[str], size: float = 18) -> None:
        pdf.add_page()
        pdf.set_fill_color(r, g, b)
        pdf.rect(0, 0, 297, 30, style="F")
        pdf.set_text_color(255, 255, 255)
        pdf.set_font("Demo", size=24)
        y = 19.0
        for line in _wrap(pdf, heading, 260)[:2]:
            pdf.text(18, y, line)
            y += 10
        pdf.set_font("Demo", size=size)
        pdf.set_text_color(30, 30, 30)
        y = 52.0
        for text in lines:
            for n, line in enumerate(_wrap(pdf, text, 240)):
                pdf.text(22, y, ("•  " if n == 0 else "    ") + line)
                y += size * 0.5
            y += 4
        pdf.set_font("Demo", size=9)
        pdf.set_text_color(120, 120, 120)
        pdf.text(18, 200, f"{doc.subject} · {doc.grade_text} · Библиотека «Окно»")

    slide(doc.title, [f"{doc.subject}, {doc.grade_text}", "Авторы: " + ", ".join(doc.authors),
                      f"Лицензия: {doc.license}"], size=16)
    for heading, body in doc.sections():
        slide(heading, body)
