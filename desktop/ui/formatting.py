"""Sizes, speeds, durations and dates in the interface language."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, Qt


def human_size(n: float | None) -> str:
    """``human_size(1536)`` -> ``"1.5 KB"`` (``"1,5 КБ"`` in Russian)."""
    if n is None:
        return ""
    q = QCoreApplication
    units = (q.translate("Units", "B"), q.translate("Units", "KB"),
             q.translate("Units", "MB"), q.translate("Units", "GB"),
             q.translate("Units", "TB"))
    value = float(n)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            if unit == units[0]:
                return f"{int(value)} {unit}"
            return f"{QLocale().toString(value, 'f', 1)} {unit}"
        value /= 1024
    return ""


def human_speed(bps: float | None) -> str:
    if not bps:
        return ""
    return QCoreApplication.translate("Units", "{size}/s").format(size=human_size(bps))


def human_duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return ""
    s = int(round(seconds))
    q = QCoreApplication
    if s < 60:
        return q.translate("Units", "{s} s").format(s=s)
    if s < 3600:
        return q.translate("Units", "{m} min {s} s").format(m=s // 60, s=s % 60)
    return q.translate("Units", "{h} h {m} min").format(h=s // 3600, m=(s % 3600) // 60)


def human_time(iso: str | None) -> str:
    """An ISO timestamp as the local date and time, short form; "" when unknown."""
    if not iso:
        return ""
    try:
        dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if dt.tzinfo is not None:
        dt = dt.astimezone()
    q = QDateTime(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second)
    return QLocale().toString(q, QLocale.FormatType.ShortFormat)


def as_list(value: Any) -> list[Any]:
    """Store rows may hold lists or their JSON text; either way give a list."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        return parsed if isinstance(parsed, list) else [parsed]
    return [value]


def grade_label(grade: int | str) -> str:
    return QCoreApplication.translate("Units", "grade {n}").format(n=grade)


def grades_text(grades: list[Any]) -> str:
    nums = sorted({int(g) for g in grades if str(g).isdigit()})
    if not nums:
        return ""
    if len(nums) > 1 and nums == list(range(nums[0], nums[-1] + 1)):
        return QCoreApplication.translate("Units", "grades {a}–{b}").format(a=nums[0],
                                                                            b=nums[-1])
    if len(nums) == 1:
        return grade_label(nums[0])
    return QCoreApplication.translate("Units", "grades {list}").format(
        list=", ".join(map(str, nums)))


ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
