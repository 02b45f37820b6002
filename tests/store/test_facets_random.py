"""Search filters and facet counts against a brute-force Python model of a random library."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from desktop.store import Filters, Store, open_reader
from desktop.store.apply import resource_terms
from desktop.store.text import sort_key, stems, tokens
from tests.store.factories import file_data, resource_data

WORDS = ["уравнение", "уравнения", "квадратное", "дроби", "дробь", "закон", "законы", "ома",
         "клетка", "клетки", "ресурсов", "ресурс", "история", "истории", "россии", "ёлка",
         "елки", "фотосинтез", "lesson", "lessons", "reading", "задачи", "задач", "природа"]
SUBJECTS = ["Математика", "Алгебра", "Физика", "Биология", "История", "Английский язык"]
TYPES = ["lesson", "presentation", "video_lesson", "interactive_test", "workbook"]
COLLECTIONS = [f"col-{i}" for i in range(10)]


def _library(rnd: random.Random, count: int) -> list[dict]:
    out = []
    for i in range(count):
        out.append(resource_data(
            f"r{i}",
            " ".join(rnd.choices(WORDS, k=rnd.randint(1, 4))).capitalize() + f" {i % 13}",
            description=" ".join(rnd.choices(WORDS, k=rnd.randint(0, 12))),
            subjects=rnd.sample(SUBJECTS, rnd.choice((0, 1, 1, 1, 2))),
            grades=rnd.sample(range(1, 12), rnd.choice((0, 1, 1, 2, 3))),
            type=rnd.choice(TYPES),
            collections=rnd.sample(COLLECTIONS, rnd.choice((0, 1, 2))),
            keywords=rnd.sample(WORDS, rnd.choice((0, 1))),
            files=[file_data(f"r{i}-{n}") for n in range(rnd.choice((0, 1, 1, 2)))],
        ))
    return out


class Model:
    """What search and facets must return, computed the slow obvious way."""

    def __init__(self, docs: list[dict], rowids: dict[str, int], cached: set[str]) -> None:
        self.docs = docs
        self.rowid = rowids
        self.terms = {}
        for d in docs:
            title, body = resource_terms(d)
            self.terms[d["id"]] = set(title.split()) | set(body.split())
        self.downloaded = {d["id"] for d in docs
                           if d["files"] and all(f["sha256"] in cached for f in d["files"])}

    def values(self, d: dict, facet: str) -> set[str]:
        return {
            "subject": set(d["subjects"]), "grade": {str(g) for g in d["grades"]},
            "type": {d["type"]}, "collection": set(d["collections"]),
            "downloaded": {"1"} if d["id"] in self.downloaded else set(),
        }[facet]

    def matches(self, query: str, d: dict) -> bool:
        words = tokens(query)[:16]
        if not words:
            return True
        stemmed = stems(words)
        terms = self.terms[d["id"]]
        return all(s in terms for s in stemmed[:-1]) and any(
            t.startswith(stemmed[-1]) or t.startswith(words[-1]) for t in terms)

    def passes(self, d: dict, groups: dict[str, set[str]], skip: str | None = None) -> bool:
        return all(self.values(d, f) & vals for f, vals in groups.items() if f != skip)

    def search(self, query: str, groups: dict[str, set[str]]) -> list[int]:
        hits = [d for d in self.docs if self.matches(query, d) and self.passes(d, groups)]
        hits.sort(key=lambda d: (sort_key(d["title"]), self.rowid[d["id"]]))
        return [self.rowid[d["id"]] for d in hits]

    def facets(self, query: str, groups: dict[str, set[str]]) -> dict[str, Counter]:
        out = {}
        for facet in ("subject", "grade", "type", "collection", "downloaded"):
            counts: Counter = Counter()
            for d in self.docs:
                if self.matches(query, d) and self.passes(d, groups, skip=facet):
                    counts.update(self.values(d, facet))
            out[facet] = counts
        return out


def _groups(f: Filters) -> dict[str, set[str]]:
    groups = {"subject": set(f.subjects), "grade": {str(g) for g in f.grades},
              "type": set(f.types), "collection": set(f.collections)}
    if f.downloaded_only:
        groups["downloaded"] = {"1"}
    return {k: v for k, v in groups.items() if v}


@pytest.fixture(scope="module")
def random_library(tmp_path_factory):
    rnd = random.Random(20240501)
    path = tmp_path_factory.mktemp("random") / "okno.sqlite3"
    store = Store(path)
    docs = _library(rnd, 500)
    from tests.store.factories import rec

    seq = 0
    for start in range(0, len(docs), 64):
        page = []
        for d in docs[start:start + 64]:
            seq += 1
            page.append(rec(d, seq))
        store.apply_page("catalog", page, seq, "p")
    cached = set()
    for d in docs:
        for f in d["files"]:
            if rnd.random() < 0.4:
                store.mark_file_cached(f["sha256"], f["size"], f"cache/{f['sha256']}")
                cached.add(f["sha256"])
    rowids = {row["id"]: row["rowid"] for row in store.rows(store.search(""))}
    yield store, Model(docs, rowids, cached), rnd
    store.close()


def _random_case(rnd: random.Random) -> tuple[str, Filters]:
    kind = rnd.random()
    if kind < 0.25:
        query = ""
    elif kind < 0.5:
        word = rnd.choice(WORDS)
        query = word[: rnd.randint(2, len(word))]  # type-ahead prefix
    else:
        query = " ".join(rnd.sample(WORDS, rnd.randint(1, 2)))
    filters = Filters(
        subjects=tuple(rnd.sample(SUBJECTS, rnd.choice((0, 0, 1, 2)))),
        grades=tuple(rnd.sample(range(1, 12), rnd.choice((0, 0, 1, 2)))),
        types=tuple(rnd.sample(TYPES, rnd.choice((0, 0, 1, 2)))),
        collections=tuple(rnd.sample(COLLECTIONS, rnd.choice((0, 0, 0, 1)))),
        downloaded_only=rnd.random() < 0.2,
    )
    return query, filters


def test_search_and_facets_agree_with_brute_force(random_library) -> None:
    store, model, rnd = random_library
    nonempty = 0
    for _ in range(150):
        query, filters = _random_case(rnd)
        groups = _groups(filters)
        expected = model.search(query, groups)
        got = store.search(query, filters)
        if query.strip():
            assert sorted(got) == sorted(expected), (query, filters)
        else:
            assert got == expected, (query, filters)  # title order
        nonempty += bool(expected)

        facets = store.facets(query, filters)
        want = model.facets(query, groups)
        for facet in ("subject", "grade", "type", "collection"):
            shown = dict(facets[facet])
            assert {v: n for v, n in shown.items() if n} == dict(want[facet]), (facet, query)
            assert set(groups.get(facet, ())) <= shown.keys()  # selected values stay visible
        assert facets["downloaded"] == [("1", want["downloaded"]["1"])], (query, filters)
    assert nonempty > 50  # the cases were not all trivially empty


def test_reader_agrees_with_writer(random_library) -> None:
    store, _, rnd = random_library
    with open_reader(store.path) as reader:
        for _ in range(20):
            query, filters = _random_case(rnd)
            assert reader.search(query, filters) == store.search(query, filters)
            assert reader.facets(query, filters) == store.facets(query, filters)


def test_unfiltered_facets_use_totals_that_match_counting(random_library) -> None:
    store, model, _ = random_library
    facets = store.facets()
    want = model.facets("", {})
    for facet in ("subject", "grade", "type", "collection"):
        assert dict(facets[facet]) == dict(want[facet])
    assert store.check_integrity() == []
