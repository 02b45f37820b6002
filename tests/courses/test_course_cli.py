"""``okno-portal course-import`` (JSON and YAML), ``course-list`` and ``course-progress``
on a real portal data folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.portal_process import portal_cli

pytestmark = pytest.mark.e2e

YAML_COURSE = """\
id: pd-short
title: Краткий курс «Медиатека школы»
hours: 8
author: РМО медиаспециалистов
modules:
  - id: m1
    title: Модуль 1
    lessons:
      - id: l1
        title: Урок 1
        body_md: Знакомство с медиатекой.
        materials:
          - {id: r1, resource_id: res-000001}
          - {id: r2, resource_id: res-000003, required: false}
        tasks:
          - id: t1
            title: Чек-лист
            kind: checklist
            items: [Проверить проектор, Скачать ресурсы]
"""


@pytest.fixture(scope="module")
def portal_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("portal")
    portal_cli(data, "demo", "--resources", "10", "--posts", "50", "--no-snapshot")
    return data


def test_import_yaml_then_json_replaces_and_lists(portal_data: Path, tmp_path: Path) -> None:
    course = tmp_path / "course.yaml"
    course.write_text(YAML_COURSE, encoding="utf-8")
    out = portal_cli(portal_data, "course-import", str(course)).stdout
    assert "course pd-short version 1" in out and "3 materials and tasks" in out
    as_json = tmp_path / "course.json"
    as_json.write_text(json.dumps({"id": "pd-short", "title": "Новое название", "modules": []},
                                  ensure_ascii=False), encoding="utf-8")
    assert "version 2" in portal_cli(portal_data, "course-import", str(as_json)).stdout
    listed = portal_cli(portal_data, "course-list").stdout
    assert "pd-short\tНовое название" in listed and "pd-cor-librarians" in listed


BAD_COURSES = [
    ('{"id": "x", "title": "T", "modules": [{"id": "m", "title": "M", "lessons": [{"id": "l", '
     '"title": "L", "materials": [{"id": "a", "resource_id": "res-999999"}]}]}]}',
     "not in the catalog"),
    ('{"id": "x", "title": "T", "modules": [{"id": "m", "title": "M"}, '
     '{"id": "m", "title": "N"}]}', "used twice"),
    ('{"id": "x", "title": ""}', "must not be empty"),
    ("{not json", "not valid JSON"),
]


def test_bad_course_files_say_why_and_change_nothing(portal_data: Path, tmp_path: Path
                                                     ) -> None:
    for n, (content, message) in enumerate(BAD_COURSES):
        bad = tmp_path / f"bad{n}.json"
        bad.write_text(content, encoding="utf-8")
        done = portal_cli(portal_data, "course-import", str(bad), check=False)
        assert done.returncode != 0 and message in done.stdout + done.stderr, message
    assert not any(line.startswith("x\t") for line in
                   portal_cli(portal_data, "course-list").stdout.splitlines())


def test_course_progress_report_lists_enrolled_members(portal_data: Path) -> None:
    report = json.loads(portal_cli(portal_data, "course-progress", "okno-ru",
                                   "--json").stdout)
    assert report["association_id"] == "okno-ru"
    rows = report["members"]
    assert rows and {r["course_id"] for r in rows} == {"pd-cor-librarians"}
    assert any(r["completed"] for r in rows)
    assert all(0 <= r["required_done"] <= r["required_total"] for r in rows)
