"""The demo library generator: determinism, valid records, realistic data, real files."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import struct
import subprocess
import sys
import wave
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from portal import demo
from portal.demo import POOL_SIZE, DemoFontError, DemoLibrary, build_demo, find_font
from portal.demo_data import (
    FEMALE_NAMES,
    LAB_SUBJECTS,
    LAB_TOPICS,
    MALE_NAMES,
    PDF_SECTIONS,
    SUBJECTS,
    TITLE_TEMPLATES,
)
from protocol.wire import (
    COLLECTION_KINDS,
    ID_RE,
    RESOURCE_TYPES,
    validate_collection,
    validate_file,
    validate_resource,
)

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
GRADES = {s.name: set(s.grades) for s in SUBJECTS}
STAMP = {"version": 1, "created": "2025-01-01T00:00:00Z", "modified": "2025-01-01T00:00:00Z"}
MAJOR_SUBJECTS = ("Математика", "Алгебра", "Геометрия", "Русский язык", "Литература",
                  "История", "География", "Биология", "Физика", "Химия", "Информатика",
                  "Английский язык", "Окружающий мир", "Литературное чтение")


@pytest.fixture(scope="module")
def lib() -> DemoLibrary:
    return build_demo(300, seed=1)


@pytest.fixture(scope="module")
def resources(lib: DemoLibrary) -> list[dict[str, Any]]:
    return list(lib.resources())


@pytest.fixture(scope="module")
def many() -> list[dict[str, Any]]:
    return list(build_demo(5000, seed=1).resources())


def _digest(library: DemoLibrary) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(library.collections, ensure_ascii=False, sort_keys=True).encode())
    for r in library.resources():
        h.update(json.dumps(r, ensure_ascii=False, sort_keys=True).encode())
    for sha in sorted(library.blobs):
        h.update(sha.encode() + library.blobs[sha])
    return h.hexdigest()


# -- determinism ---------------------------------------------------------------------------


def test_same_seed_same_library_even_without_caches():
    first = _digest(build_demo(60, seed=5))
    demo._pool.cache_clear()
    demo._generator.cache_clear()
    assert _digest(build_demo(60, seed=5)) == first


def test_same_output_in_another_process_with_other_hash_seed():
    code = ("from tests.portal_demo.test_demo import _digest; from portal.demo import build_demo;"
            " print(_digest(build_demo(40, seed=9)))")
    root = Path(__file__).resolve().parents[2]
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, check=True,
                             capture_output=True, text=True, timeout=120)
        digests.add(out.stdout.strip())
    assert digests == {_digest(build_demo(40, seed=9))}


def test_different_seed_different_library(resources):
    other = list(build_demo(300, seed=2).resources())
    assert [r["id"] for r in other] == [r["id"] for r in resources]
    changed = sum(a != b for a, b in zip(resources, other, strict=True))
    assert changed == len(resources)
    assert {r["title"] for r in other[20:]} != {r["title"] for r in resources[20:]}


def test_resources_are_a_pure_function_of_seed_and_index(lib, resources):
    assert list(lib.resources()) == resources  # iterating again starts over
    small = list(build_demo(25, seed=1).resources())
    assert small == resources[:25]  # prefix-stable, files included
    assert lib.resource(123) == resources[123]
    with pytest.raises(IndexError):
        lib.resource(300)


# -- records -------------------------------------------------------------------------------


def test_every_record_validates(lib, many):
    for c in lib.collections:
        checked = validate_collection({**c, **STAMP})
        assert {k: checked[k] for k in c} == c
    for r in many:
        assert set(r) == {"id", "title", "description", "authors", "subjects", "grades", "type",
                          "language", "license", "keywords", "collections", "files"}
        checked = validate_resource({**r, **STAMP})
        assert {k: checked[k] for k in r} == r  # nothing was normalised away
        assert ID_RE.match(r["id"])
    assert len({r["id"] for r in many}) == len(many)


def test_collections_tree(lib):
    by_id = {c["id"]: c for c in lib.collections}
    assert len(by_id) == len(lib.collections)
    assert {c["kind"] for c in lib.collections} == COLLECTION_KINDS
    subjects = {c["title"]: c for c in lib.collections if c["kind"] == "subject"}
    assert set(subjects) == set(GRADES)
    assert all(c["parent_id"] is None for c in subjects.values())
    publishers = [c for c in lib.collections if c["kind"] == "publisher"]
    assert len(publishers) >= 5 and all(CYRILLIC.search(p["title"]) for p in publishers)
    series = [c for c in lib.collections if c["kind"] == "series"]
    assert series and all(by_id[s["parent_id"]]["kind"] == "subject" for s in series)
    oge = [s for s in series if s["title"] == "Подготовка к ОГЭ"]
    assert subjects["Математика"]["id"] in {s["parent_id"] for s in oge}
    for c in lib.collections:
        assert c["parent_id"] is None or c["parent_id"] in by_id
        assert CYRILLIC.search(c["title"]) and CYRILLIC.search(c["description"])
    siblings = Counter((c["parent_id"], c["position"]) for c in lib.collections)
    assert max(siblings.values()) == 1


def test_resources_reference_their_subject_and_publisher(lib, many):
    by_id = {c["id"]: c for c in lib.collections}
    used = set()
    for r in many:
        kinds = Counter(by_id[cid]["kind"] for cid in r["collections"])
        assert kinds["publisher"] == 1
        titles = {by_id[c]["title"] for c in r["collections"] if by_id[c]["kind"] == "subject"}
        assert titles == set(r["subjects"])
        assert len(set(r["collections"])) == len(r["collections"])
        used.update(r["collections"])
    assert used == set(by_id)  # every collection has resources


def test_grades_fit_subjects(many):
    for r in many:
        assert r["grades"] and r["grades"] == sorted(set(r["grades"]))
        for subject in r["subjects"]:
            assert set(r["grades"]) <= GRADES[subject], r
    by_subject: dict[str, set[int]] = {}
    for r in many:
        by_subject.setdefault(r["subjects"][0], set()).update(r["grades"])
    assert by_subject["Алгебра"] <= set(range(7, 12))
    assert by_subject["Окружающий мир"] <= set(range(1, 5))
    assert by_subject["Химия"] <= set(range(8, 12))
    assert by_subject["Математика"] <= set(range(1, 7))
    assert set(by_subject) == set(GRADES)  # every subject appears


def test_types_languages_and_licenses(many):
    types = Counter(r["type"] for r in many)
    assert set(types) == set(RESOURCE_TYPES)
    assert types["lesson"] > types["image"]
    for r in many:
        if r["type"] == "lab_work":
            assert any(topic in r["title"] for topic in LAB_TOPICS[r["subjects"][0]]), r
            lab = r["subjects"][0] in LAB_SUBJECTS
            assert ("Лабораторная работа" in r["title"]) == lab, r["title"]
            assert ("Практическая работа" in r["title"]) != lab, r["title"]
        if r["type"] == "audio":
            assert r["subjects"][0] in {"Русский язык", "Литература", "Литературное чтение",
                                        "Английский язык", "Музыка"}
        assert r["language"] in {"ru", "en"}
        if r["language"] == "en":
            assert r["subjects"][0] == "Английский язык"
    languages = Counter(r["language"] for r in many)
    assert languages["ru"] > 10 * languages["en"] > 0
    assert len({r["license"] for r in many}) >= 4


def test_texts_are_russian_and_meaningful(many):
    for r in many:
        assert CYRILLIC.search(r["title"]), r["title"]
        assert CYRILLIC.search(r["description"])
        unquoted = re.sub(r"«[^»]*»", "«»", r["description"])
        sentences = re.findall(r"[.!?](?:\s|$)", unquoted)
        assert 2 <= len(sentences) <= 4, r["description"]
        assert 1 <= len(r["authors"]) <= 3 and len(set(r["authors"])) == len(r["authors"])
        for author in r["authors"]:
            surname, name, patronymic = author.split(" ")
            assert all(CYRILLIC.match(part[0]) and part[0].isupper() for part in author.split())
            if patronymic.endswith("вна"):
                assert name in FEMALE_NAMES, author
            else:
                assert patronymic.endswith("вич") and name in MALE_NAMES, author
        assert r["keywords"] and all(CYRILLIC.search(k) or k.isascii() for k in r["keywords"])
        assert all(f"{g} класс" in r["keywords"] for g in r["grades"])
    assert len({r["title"] for r in many}) > len(many) // 3


def test_titles_support_morphology_search(resources):
    titles = [r["title"].lower() for r in resources]
    assert any("квадратное уравнение" in t for t in titles)
    assert any("квадратных уравнений" in t for t in titles)
    assert any("уравнения" in t for t in titles)
    assert any("ресурсов" in t for t in titles)
    assert resources[0]["title"] == "Квадратное уравнение и его корни. Урок для 8 класса"
    assert "Презентация «Фотосинтез»" in {r["title"] for r in resources}
    assert "Рабочая тетрадь по теме «Дроби»" in {r["title"] for r in resources}


def test_curriculum_has_enough_real_topics():
    for subject in SUBJECTS:
        topics = [t for grade in subject.grades for t in subject.topics[grade]]
        assert len(topics) == len(set(topics)), subject.name
        if subject.name in MAJOR_SUBJECTS:
            assert len(topics) >= 15, subject.name
    assert set(LAB_TOPICS) == {s.name for s in SUBJECTS if "lab_work" in s.types}
    for subject in SUBJECTS:
        for topic in LAB_TOPICS.get(subject.name, ()):
            assert any(topic in subject.topics[g] for g in subject.grades), topic
    algebra = next(s for s in SUBJECTS if s.name == "Алгебра")
    assert "Теорема Виета" in algebra.topics[8]
    assert "Системы линейных уравнений" in algebra.topics[7]
    assert set(TITLE_TEMPLATES) == set(PDF_SECTIONS) == set(RESOURCE_TYPES)


def test_generated_text_fits_the_embedded_font(many):
    chars = set()
    for r in many[:2000]:
        for text in (r["title"], r["description"], r["license"], *r["authors"], *r["keywords"]):
            chars.update(text)
    for sections in PDF_SECTIONS.values():
        for heading, body in sections:
            chars.update(heading + body)
    missing = {c for c in chars if ord(c) not in demo._FONT_CHARS and c != "\n"}
    assert not missing


# -- files ---------------------------------------------------------------------------------

EXT_MIME = {"pdf": "application/pdf", "png": "image/png", "wav": "audio/wav",
            "txt": "text/plain", "md": "text/markdown"}


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(tag + body) & 0xFFFFFFFF, tag
        chunks.append((tag, body))
        pos += 12 + length
    return chunks


def _check_content(ext: str, data: bytes) -> None:
    if ext == "pdf":
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        assert b"/FontFile2" in data and b"DejaVu" in data  # the embedded Cyrillic font
        assert len(data) < 40_000
    elif ext == "png":
        chunks = _png_chunks(data)
        assert [c[0] for c in chunks] == [b"IHDR", b"IDAT", b"IEND"]
        width, height, depth, color = struct.unpack(">IIBB", chunks[0][1][:10])
        raw = zlib.decompress(chunks[1][1])
        assert (width, height, depth, color) == (200, 120, 8, 2)
        assert len(raw) == height * (1 + 3 * width)
    elif ext == "wav":
        with wave.open(io.BytesIO(data)) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
            assert w.getnframes() == 8000 and len(w.readframes(8000)) == 16000
    else:
        text = data.decode("utf-8-sig")
        assert CYRILLIC.search(text) and "\x00" not in text
        if ext == "md":
            assert text.startswith("# ")


def test_files_are_real_and_content_addressed(lib, resources):
    seen_ext = Counter()
    for r in resources:
        assert 1 <= len(r["files"]) <= 2
        names = [f["name"] for f in r["files"]]
        assert len(set(names)) == len(names)
        for f in r["files"]:
            assert validate_file(f) == f
            name = f["name"]
            assert not re.search(r'[/\\:*?"<>|\x00-\x1f]', name) and name == name.strip()
            assert CYRILLIC.search(name) and len(name) <= 120
            ext = name.rsplit(".", 1)[1]
            assert EXT_MIME[ext] == f["mime"]
            data = lib.blobs[f["sha256"]]
            assert hashlib.sha256(data).hexdigest() == f["sha256"]
            assert len(data) == f["size"]
            _check_content(ext, data)
            seen_ext[ext] += 1
    assert set(seen_ext) == set(EXT_MIME)
    referenced = {f["sha256"] for r in resources for f in r["files"]}
    assert referenced == set(lib.blobs)  # no stray blobs
    assert sum(len(b) for b in lib.blobs.values()) < 8_000_000


def test_audio_resources_have_wav_and_images_png(resources):
    for r in resources:
        exts = {f["name"].rsplit(".", 1)[1] for f in r["files"]}
        if r["type"] == "audio":
            assert "wav" in exts
        if r["type"] in ("image", "video_lesson"):
            assert "png" in exts
        if r["type"] in ("lesson", "presentation", "workbook", "lab_work"):
            assert "pdf" in exts


def test_pdf_shows_title_subject_and_grade(lib, resources):
    qtpdf = pytest.importorskip("PySide6.QtPdf")
    qtcore = pytest.importorskip("PySide6.QtCore")
    checked = 0
    for r in resources[:12]:
        for f in r["files"]:
            if f["mime"] != "application/pdf":
                continue
            buffer = qtcore.QBuffer()
            buffer.setData(qtcore.QByteArray(lib.blobs[f["sha256"]]))
            buffer.open(qtcore.QIODevice.OpenModeFlag.ReadOnly)
            document = qtpdf.QPdfDocument()
            document.load(buffer)
            assert document.status() == qtpdf.QPdfDocument.Status.Ready
            text = " ".join(document.getAllText(0).text().split())
            assert r["title"].split(".")[0][:30] in text
            assert r["subjects"][0] in text and f"{r['grades'][0]} класс" in text
            document.close()
            checked += 1
    assert checked >= 5


def test_later_resources_reuse_the_pool_under_their_own_names():
    library = build_demo(POOL_SIZE + 700, seed=1)
    pool_shas = set(build_demo(POOL_SIZE, seed=1).blobs)
    assert set(library.blobs) == pool_shas
    later = list(library.resources())[POOL_SIZE:]
    for r in later:
        for f in r["files"]:
            assert f["sha256"] in pool_shas
            assert library.blobs[f["sha256"]][:4] in (b"%PDF", b"\x89PNG", b"RIFF") \
                or f["mime"].startswith("text/")
            assert f["size"] == len(library.blobs[f["sha256"]])
            ext = f["name"].rsplit(".", 1)[1]
            assert EXT_MIME[ext] == f["mime"]
    stems = Counter(f["name"] for r in later for f in r["files"])
    assert len(stems) > 100  # names follow each resource, not the reused file


def test_scales_to_a_large_library():
    library = build_demo(50_000, seed=1)
    ids, count, subjects = set(), 0, Counter()
    for r in library.resources():
        count += 1
        ids.add(r["id"])
        subjects[r["subjects"][0]] += 1
        assert all(f["sha256"] in library.blobs for f in r["files"])
    assert count == len(ids) == 50_000
    assert set(subjects) == set(GRADES)
    assert len(library.blobs) <= 3 * POOL_SIZE


def test_empty_library():
    library = build_demo(0)
    assert list(library.resources()) == [] and library.blobs == {}
    assert library.collections
    with pytest.raises(ValueError):
        build_demo(-1)


# -- fonts ---------------------------------------------------------------------------------


def test_font_lookup(tmp_path, monkeypatch):
    font = tmp_path / "font.ttf"
    font.write_bytes(b"not really a font")
    assert find_font(font) == font
    monkeypatch.setenv(demo.FONT_ENV, str(font))
    assert find_font() == font
    monkeypatch.setenv(demo.FONT_ENV, str(tmp_path / "missing.ttf"))
    with pytest.raises(DemoFontError, match="does not exist"):
        find_font()
    monkeypatch.delenv(demo.FONT_ENV)
    monkeypatch.setattr(demo, "DEFAULT_FONT", tmp_path / "missing.ttf")
    monkeypatch.setattr(demo.shutil, "which", lambda _name: None)
    with pytest.raises(DemoFontError, match=demo.FONT_ENV):
        find_font()
