"""``okno-portal`` commands for courses: ``course-import FILE.json|yaml``, ``course-list`` and
``course-progress ASSOCIATION [--course ID] [--json]`` (the coordinators' report, for the
portal operator's shell).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


class CourseFileError(ValueError):
    """The course file cannot be read; the message is printed as is."""


def read_course_file(path: str) -> Any:
    """A course in JSON (``.json``) or YAML (``.yaml``/``.yml``, needs PyYAML)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CourseFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CourseFileError(f"{path} is not UTF-8 text") from None
    if path.lower().endswith((".yaml", ".yml")):
        try:
            import yaml
        except ImportError:
            raise CourseFileError("reading YAML needs PyYAML (pip install PyYAML); or give "
                                  "the course as JSON") from None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CourseFileError(f"{path} is not valid YAML: {exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CourseFileError(f"{path} is not valid JSON: {exc}") from None


def _engine(args: argparse.Namespace) -> Any:
    from portal.cli import _open_store

    return _open_store(args)


def cmd_course_import(args: argparse.Namespace) -> int:
    from portal.community.courses import import_course

    data = read_course_file(args.file)
    with _engine(args) as store:
        d = import_course(store.engine, data)
    n = sum(len(lesson["materials"]) + len(lesson["tasks"])
            for module in d["modules"] for lesson in module["lessons"])
    print(f"course {d['id']} version {d['version']}: {len(d['modules'])} modules, "
          f"{n} materials and tasks")
    return 0


def cmd_course_list(args: argparse.Namespace) -> int:
    from portal.community.courses import list_courses

    with _engine(args) as store:
        rows = list_courses(store.engine)
    for r in rows:
        print(f"{r['id']}\t{r['title']}\t{r['association_id'] or '-'}\t{r['modified']}")
    print(f"{len(rows)} course(s)")
    return 0


def cmd_course_progress(args: argparse.Namespace) -> int:
    from portal.community.courses import association_progress

    with _engine(args) as store:
        rows = association_progress(store.engine, args.association_id, args.course)
    if args.json:
        print(json.dumps({"association_id": args.association_id, "members": rows},
                         ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        done = f"{r['required_done']}/{r['required_total']}"
        state = f"completed {r['completed']}" if r["completed"] else "in progress"
        print(f"{r['display_name']}\t{r['course_id']}\t{done}\t{state}")
    print(f"{len(rows)} enrolment(s) in {args.association_id}")
    return 0


def add_course_commands(add: Callable[..., argparse.ArgumentParser], common: Any) -> None:
    p = add("course-import", cmd_course_import, "create (or replace) a course from a JSON or "
            "YAML file (docs/courses.md)", common)
    p.add_argument("file", metavar="FILE.json|FILE.yaml")
    add("course-list", cmd_course_list, "list the courses", common)
    p = add("course-progress", cmd_course_progress, "members' course progress in an "
            "association (the coordinators' report)", common)
    p.add_argument("association_id")
    p.add_argument("--course", help="only this course")
    p.add_argument("--json", action="store_true", help="print JSON")
