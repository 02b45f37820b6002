"""Library search and facet counts over the FTS index and ``resource_facets``.

Queries go through the same normalisation and stemming as the index (``text.py``). Every
word must match; the last one is also matched as a prefix, so results follow typing.

>>> match_expression("Квадратные уравн")
'"квадратн" AND "уравн"*'
>>> match_expression('ёлка" OR (*') is not None   # hostile input is just words
True
>>> match_expression("  !!! ") is None
True
"""

from __future__ import annotations

from typing import Any

from desktop.store.base import ReaderBase
from desktop.store.text import stems, tokens
from desktop.store.types import Filters

FACETS = ("subject", "grade", "type", "collection")
DOWNLOADED = "downloaded"
# bm25 column weights: a word in the title counts ten times one in the body.
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
RANK = f"bm25(resources_fts, {TITLE_WEIGHT}, {BODY_WEIGHT})"
# A pasted paragraph must not become a 500-term AND query.
MAX_QUERY_WORDS = 16


def _quote(term: str) -> str:
    # Terms hold only letters and digits, but quoting keeps AND/OR/NOT/NEAR and any
    # future tokenizer surprise literal.
    return '"' + term.replace('"', '""') + '"'


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH string for what a user typed, or None when it holds no words."""
    words = tokens(query)[:MAX_QUERY_WORDS]
    if not words:
        return None
    stemmed = stems(words)
    parts = []
    for term in dict.fromkeys(stemmed[:-1]):
        parts.append(_quote(term))
    last_stem, last_word = stemmed[-1], words[-1]
    if last_word.startswith(last_stem):
        parts.append(_quote(last_stem) + "*")  # covers the raw word's prefix too
    else:
        parts.append(f"({_quote(last_stem)}* OR {_quote(last_word)}*)")
    return " AND ".join(parts)


def filter_groups(filters: Filters) -> dict[str, tuple[str, ...]]:
    """Active filters as facet -> accepted values (OR within a facet, AND across)."""
    groups: dict[str, tuple[str, ...]] = {}
    for facet, values in (
        ("subject", filters.subjects),
        ("grade", tuple(str(g) for g in filters.grades)),
        ("type", filters.types),
        ("collection", filters.collections),
    ):
        if values:
            groups[facet] = tuple(dict.fromkeys(values))
    if filters.downloaded_only:
        groups[DOWNLOADED] = ("1",)
    return groups


def _restrict(column: str, groups: dict[str, tuple[str, ...]]) -> tuple[str, list[Any]]:
    """`` AND column IN (resources having one of the values)`` for every group."""
    sql = []
    params: list[Any] = []
    for facet, values in groups.items():
        marks = ", ".join("?" * len(values))
        sql.append(
            f" AND {column} IN (SELECT res FROM resource_facets "
            f"WHERE facet = ? AND value IN ({marks}))"
        )
        params += [facet, *values]
    return "".join(sql), params


def _order(facet: str, counts: dict[str, int]) -> list[tuple[str, int]]:
    if facet == "grade":
        return sorted(counts.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 99)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


class SearchReads(ReaderBase):
    def search(
        self, query: str = "", filters: Filters = Filters(), limit: int | None = None
    ) -> list[int]:
        """Rowids of matching resources: by relevance with a query, by title without.

        ``store.search("уравнения", Filters(grades=(8,)), limit=50)`` -> ``[412, 17, ...]``
        """
        match = match_expression(query)
        groups = filter_groups(filters)
        sql_limit = -1 if limit is None else max(0, limit)
        if match is None and not groups:
            # The library's opening screen: all resources by title, cached per generation.
            everything = self._cached("all_by_title", lambda: [
                row[0] for row in self._conn.execute(
                    "SELECT rowid FROM resources ORDER BY title_sort, rowid"
                )
            ])
            return everything[:limit] if limit is not None else list(everything)
        if match is None:
            where, params = _restrict("rowid", groups)
            sql = (f"SELECT rowid FROM resources WHERE 1{where} "
                   "ORDER BY title_sort, rowid LIMIT ?")
            args = [*params, sql_limit]
        else:
            where, params = _restrict("rowid", groups)
            sql = (f"SELECT rowid FROM resources_fts WHERE resources_fts MATCH ?{where} "
                   f"ORDER BY {RANK}, rowid LIMIT ?")
            args = [match, *params, sql_limit]
        return [row[0] for row in self._conn.execute(sql, args)]

    def facets(
        self, query: str = "", filters: Filters = Filters()
    ) -> dict[str, list[tuple[str, int]]]:
        """Counts per facet value among the results, for the filter panel.

        Standard faceting: each facet is counted under the query and the *other* facets'
        filters, so ticking "Алгебра" does not hide "Геометрия" from the subject list.
        Values with no results are left out unless selected (then shown with 0, so they
        can be unticked). Grades are in numeric order, the rest by count. The
        ``"downloaded"`` entry is ``[("1", n)]``: resources whose files are all cached.

        ``store.facets("дроби")["grade"]`` -> ``[("5", 31), ("6", 12)]``
        """
        match = match_expression(query)
        groups = filter_groups(filters)
        counts: dict[str, dict[str, int]] = {f: {} for f in (*FACETS, DOWNLOADED)}
        parts: list[str] = []
        params: list[Any] = [match] if match is not None else []
        from_totals: set[str] = set()
        for facet in counts:
            others = {f: v for f, v in groups.items() if f != facet}
            if match is None and not others:
                from_totals.add(facet)  # nothing narrows this facet: precomputed counts
                continue
            where, more = _restrict("res", others)
            in_match = " AND res IN m" if match is not None else ""
            parts.append(
                "SELECT facet, value, count(*) FROM resource_facets "
                f"WHERE facet = ?{in_match}{where} GROUP BY value"
            )
            params += [facet, *more]
        if from_totals:
            for facet, value, n in self._totals():
                if facet in from_totals:
                    counts[facet][value] = n
        if parts:
            head = ""
            if match is not None:
                # Materialised once, shared by every facet's count.
                head = ("WITH m(res) AS MATERIALIZED (SELECT rowid FROM resources_fts "
                        "WHERE resources_fts MATCH ?) ")
            for facet, value, n in self._conn.execute(head + " UNION ALL ".join(parts), params):
                counts[facet][value] = n
        result = {}
        for facet in FACETS:
            for value in groups.get(facet, ()):
                counts[facet].setdefault(value, 0)
            result[facet] = _order(facet, counts[facet])
        result[DOWNLOADED] = [("1", counts[DOWNLOADED].get("1", 0))]
        return result

    def _totals(self) -> list[tuple[str, str, int]]:
        return self._cached("facet_totals", lambda: self._conn.execute(
            "SELECT facet, value, n FROM facet_totals WHERE n > 0"
        ).fetchall())
