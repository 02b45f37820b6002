"""Search with Russian and English morphology, type-ahead, hostile input, and ordering."""

from __future__ import annotations

import pytest

from desktop.store import Filters, Store
from desktop.store.search import match_expression
from desktop.store.text import normalize, sort_key, stems, tokens
from tests.store.factories import resource_data


def _ids(store: Store, query: str, filters: Filters = Filters()) -> list[str]:
    return [row["id"] for row in store.rows(store.search(query, filters))]


@pytest.fixture
def library(store: Store, publish) -> Store:
    publish(
        resource_data("quad", "Квадратное уравнение", description="Решение через дискриминант",
                      subjects=["Алгебра"], grades=[8]),
        resource_data("res", "Каталог ресурсов", description="Обзор электронных материалов"),
        resource_data("tree", "Ёлка в зимнем лесу", type="image", subjects=["ИЗО"]),
        resource_data("ohm", "Закон Ома", description="Сила тока на участке цепи",
                      subjects=["Физика"], grades=[8], type="video_lesson"),
        resource_data("en", "English lesson: Present Simple", language="en",
                      subjects=["Английский язык"], grades=[5]),
        resource_data("body", "Практикум", description="Квадратное уравнение в задачах"),
        resource_data("n10", "10 класс: повторение"),
        resource_data("n9", "9 класс: повторение"),
        resource_data("hist", "История России", keywords=["Петр Первый"],
                      authors=["Ключевский В. О."], subjects=["История"]),
    )
    return store


@pytest.mark.parametrize("query, expected", [
    ("уравнения", {"quad", "body"}),
    ("УРАВНЕНИЕ", {"quad", "body"}),
    ("ресурс", {"res"}),
    ("ресурсами", {"res"}),
    ("ЁЛКА", {"tree"}),
    ("елка", {"tree"}),
    ("ёлки", {"tree"}),
    ("квадр", {"quad", "body"}),
    ("квадратн уравн", {"quad", "body"}),
    ("закон ома", {"ohm"}),
    ("закон ом", {"ohm"}),  # the last word is a prefix
    ("законы омы", {"ohm"}),
    ("тока", {"ohm"}),
    ("видеоурок", {"ohm"}),  # the type's label is part of the body
    ("8 класс", {"quad", "ohm"}),
    ("ключевский", {"hist"}),
    ("петра первого", {"hist"}),
    ("истории", {"hist"}),
    ("уравнения физика", set()),  # every word must match
])
def test_morphology_and_prefix(library: Store, query: str, expected: set[str]) -> None:
    assert set(_ids(library, query)) == expected


def test_title_match_ranks_above_body_match(library: Store) -> None:
    assert _ids(library, "квадратное уравнение") == ["quad", "body"]


@pytest.mark.parametrize("query", ["lessons", "LESSON", "lesso"])
def test_english_morphology(library: Store, query: str) -> None:
    # Every lesson-type resource has the label "урок / lesson" in its body; the one with
    # the word in its title comes first.
    found = _ids(library, query)
    assert found[0] == "en"
    assert set(found) == {"en", "quad", "res", "body", "n10", "n9", "hist", "ohm"}  # "video lesson"


@pytest.mark.parametrize("query", [
    '"', '""', "'", "*", "**", "AND", "OR", "NOT", "NEAR", "NEAR(", "(", ")", "()", "a AND",
    'title_terms: x', "body_terms:*", "^x", "-x", "+", "x OR", '"unterminated', "{a b}",
    "квадр*", "\x00", "\\", "%", "_", "::", "\u0301", "😀", "ё" * 5000, "слово " * 500,
    "SELECT * FROM resources; --", "AND OR NOT NEAR(a b)",
])
def test_hostile_queries_never_raise(library: Store, query: str) -> None:
    rowids = library.search(query)
    library.facets(query, Filters(subjects=("Алгебра",), grades=(8,)))
    assert isinstance(rowids, list)


def test_query_without_words_is_the_empty_query(library: Store) -> None:
    assert library.search("!!! ?") == library.search("")
    assert match_expression("  ,.;  ") is None


def test_empty_query_orders_by_title_naturally(library: Store) -> None:
    titles = [row["title"] for row in library.rows(library.search(""))]
    assert titles.index("9 класс: повторение") < titles.index("10 класс: повторение")
    assert titles == sorted(titles, key=sort_key)
    assert library.search("", limit=3) == library.search("")[:3]
    assert len(library.search("уравнение", limit=1)) == 1


def test_filters_or_within_and_across(library: Store) -> None:
    assert set(_ids(library, "", Filters(subjects=("Алгебра", "Физика")))) == {"quad", "ohm"}
    assert _ids(library, "", Filters(subjects=("Алгебра", "Физика"), types=("lesson",))) == [
        "quad"]
    assert _ids(library, "закон", Filters(grades=(8,))) == ["ohm"]
    assert _ids(library, "", Filters(subjects=("Нет такого",))) == []
    assert _ids(library, "", Filters(downloaded_only=True)) == []


def test_facets_do_not_narrow_themselves(library: Store) -> None:
    facets = library.facets("", Filters(subjects=("Алгебра",)))
    assert ("Физика", 1) in facets["subject"] and ("Алгебра", 1) in facets["subject"]
    assert facets["grade"] == [("8", 1)]  # narrowed by the subject filter
    assert facets["type"] == [("lesson", 1)]
    assert facets["downloaded"] == [("1", 0)]
    unknown = library.facets("", Filters(subjects=("Нет такого",)))
    assert ("Нет такого", 0) in unknown["subject"] and unknown["type"] == []


def test_text_helpers() -> None:
    assert normalize("ЁЖИК Ёлка") == "ежик елка"
    assert tokens("мир_труд-май, 2024г.") == ["мир", "труд", "май", "2024г"]
    assert tokens("и\u0306од") == ["йод"]  # decomposed й stays one letter
    assert stems(["уравнения", "уравнение", "lessons", "42"]) == [
        "уравнен", "уравнен", "lesson", "42"]
    assert sort_key("«Ёлка»").startswith("елка")


def test_last_word_also_matches_as_typed(store: Store, publish) -> None:
    # "happy" stems to "happi", which is no prefix of "happyland": only the raw word is.
    publish(resource_data("hl", "Happyland reading club", language="en"))
    assert match_expression("happy") == '("happi"* OR "happy"*)'
    assert _ids(store, "happy") == ["hl"]
    assert _ids(store, "reading happy") == ["hl"]
