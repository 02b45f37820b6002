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

from collections import defaultdict

from desktop.store.base import ReaderBase
from desktop.store.facets import DOWNLOADED, FACETS
from desktop.store.text import stems, tokens
from desktop.store.types import Filters

ALL_FACETS = (*FACETS, DOWNLOADED)
# bm25 column weights: a word in the title counts ten times one in the body.
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
RANK = f"bm25(resources_fts, {TITLE_WEIGHT}, {BODY_WEIGHT})"
# A pasted paragraph must not become a 500-term AND query.
MAX_QUERY_WORDS = 16
_MATCH_CTE = (
    "WITH m(res) AS MATERIALIZED "
    "(SELECT rowid FROM resources_fts WHERE resources_fts MATCH ?) "
)


def quote(term: str) -> str:
    """An FTS5 string literal. Terms hold only letters and digits, but quoting keeps
    AND/OR/NOT/NEAR and any tokenizer surprise literal."""
    return '"' + term.replace('"', '""') + '"'


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH string for what a user typed, or None when it holds no words."""
    words = tokens(query)[:MAX_QUERY_WORDS]
    if not words:
        return None
    stemmed = stems(words)
    parts = [quote(term) for term in dict.fromkeys(stemmed[:-1])]
    last_stem, last_word = stemmed[-1], words[-1]
    if last_word.startswith(last_stem):
        parts.append(quote(last_stem) + "*")  # covers the raw word's prefix too
    else:
        parts.append(f"({quote(last_stem)}* OR {quote(last_word)}*)")
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


def _ids_sql(ids: list[int]) -> str:
    return ", ".join(map(str, ids))  # integers from facet_values: safe to inline


def _has_facets(column: str, value_ids: list[list[int]]) -> str:
    """SQL requiring ``column`` to have one value of each group.

    A correlated EXISTS costs a primary-key probe per candidate row; ``IN (subquery)`` would
    first collect every resource with the value, tens of thousands for a grade or a type.
    """
    return "".join(
        f" AND EXISTS (SELECT 1 FROM resource_facets AS h "
        f"WHERE h.res = {column} AND h.value_id IN ({_ids_sql(ids)}))"
        for ids in value_ids
    )


class _Values:
    """facet_values as dictionaries, per catalog generation."""

    def __init__(self, rows: list[tuple[int, str, str, int]]) -> None:
        self.ids = {(facet, value): vid for vid, facet, value, _ in rows}
        self.pairs = {vid: (facet, value) for vid, facet, value, _ in rows}
        self.totals = [(facet, value, n) for _, facet, value, n in rows if n > 0]
        self.sizes = {vid: n for vid, _, _, n in rows}

    def driven(self, groups: list[list[int]]) -> str:
        """SELECT of the resources having a value of every group, walking the group with
        the fewest resources and probing the others."""
        first, *rest = sorted(groups, key=lambda ids: sum(self.sizes.get(i, 0) for i in ids))
        return (f"SELECT DISTINCT res FROM resource_facets AS d "
                f"WHERE d.value_id IN ({_ids_sql(first)}){_has_facets('d.res', rest)}")

    def resolve(self, groups: dict[str, tuple[str, ...]]) -> dict[str, list[int]]:
        """Value ids per facet; an empty list means the filter can match nothing."""
        return {
            facet: [self.ids[(facet, v)] for v in values if (facet, v) in self.ids]
            for facet, values in groups.items()
        }


class SearchReads(ReaderBase):
    def search(
        self, query: str = "", filters: Filters = Filters(), limit: int | None = None
    ) -> list[int]:
        """Rowids of matching resources: by relevance with a query, by title without.

        ``store.search("уравнения", Filters(grades=(8,)), limit=50)`` -> ``[412, 17, ...]``
        """
        match = match_expression(query)
        values = self._values()
        ids = values.resolve(filter_groups(filters))
        if limit is not None:
            limit = max(0, limit)
        if any(not v for v in ids.values()):
            return []  # a filter value no resource has
        if match is not None:
            sql = (f"SELECT rowid FROM resources_fts WHERE resources_fts MATCH ?"
                   f"{_has_facets('resources_fts.rowid', list(ids.values()))} "
                   f"ORDER BY {RANK}, rowid LIMIT ?")
            return [row[0] for row in self._conn.execute(
                sql, (match, -1 if limit is None else limit)
            )]
        order, position = self._by_title()
        if not ids:
            return order[:limit] if limit is not None else list(order)
        # The facet index gives the set; the cached title order sorts it, sparing a read of
        # every matching row just for its sort key.
        found = {row[0] for row in self._conn.execute(values.driven(list(ids.values())))}
        end = len(position)  # rows newer than the cached order go last
        ranked = sorted(found, key=lambda r: (position.get(r, end), r))
        return ranked[:limit] if limit is not None else ranked

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
        values = self._values()
        ids = values.resolve(groups)
        counts: dict[str, dict[str, int]] = {f: {} for f in ALL_FACETS}

        # Facets narrowed by the same other filters share one counting pass.
        passes: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for facet in ALL_FACETS:
            passes[tuple(f for f in ids if f != facet)].append(facet)
        parts: list[str] = []
        wanted: list[list[str]] = []
        for others, facets in passes.items():
            if any(not ids[f] for f in others):
                continue  # narrowed by a value nobody has: all counts are 0
            if match is None and not others:
                for facet, value, n in values.totals:  # nothing narrows: precomputed
                    if facet in facets:
                        counts[facet][value] = n
                continue
            restrict = [ids[f] for f in others]
            if match is not None:
                base = f"SELECT res FROM m WHERE 1{_has_facets('m.res', restrict)}"
            else:
                base = values.driven(restrict)
            # Drive from the (usually small) matching set, one index range per resource; a
            # pass for some facets only keeps the others' rows out of the GROUP BY sort.
            only = ""
            if len(facets) < len(ALL_FACETS):
                names = ", ".join(f"'{f}'" for f in facets)
                only = (" AND +f.value_id IN "
                        f"(SELECT id FROM facet_values WHERE facet IN ({names}))")
            parts.append(
                f"SELECT {len(wanted)}, f.value_id, count(*) FROM ({base}) AS b "
                f"CROSS JOIN resource_facets AS f ON f.res = b.res{only} GROUP BY f.value_id"
            )
            wanted.append(facets)
        if parts:
            sql = (_MATCH_CTE if match is not None else "") + " UNION ALL ".join(parts)
            args = (match,) if match is not None else ()
            for part, vid, n in self._conn.execute(sql, args):
                facet, value = values.pairs.get(vid, ("", ""))
                if facet in wanted[part]:
                    counts[facet][value] = n
        result = {}
        for facet in FACETS:
            for value in groups.get(facet, ()):
                counts[facet].setdefault(value, 0)
            result[facet] = _order(facet, counts[facet])
        result[DOWNLOADED] = [("1", counts[DOWNLOADED].get("1", 0))]
        return result

    def _values(self) -> _Values:
        return self._cached("facet_values", lambda: _Values(self._conn.execute(
            "SELECT id, facet, value, n FROM facet_values"
        ).fetchall()))

    def _by_title(self) -> tuple[list[int], dict[int, int]]:
        """All rowids in title order, and each rowid's position in it."""
        def compute() -> tuple[list[int], dict[int, int]]:
            order = [row[0] for row in self._conn.execute(
                "SELECT rowid FROM resources ORDER BY title_sort, rowid"
            )]
            return order, {rowid: i for i, rowid in enumerate(order)}
        return self._cached("by_title", compute)


def _order(facet: str, counts: dict[str, int]) -> list[tuple[str, int]]:
    if facet == "grade":
        return sorted(counts.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 99)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
