"""Text normalisation and stemming shared by indexing and querying.

Both sides of the full-text search go through exactly these functions, so whatever the
index holds, a query can meet it: case is folded, "ё" becomes "е", words are split on
anything that is not a letter or digit, and each word is reduced to its stem (Russian
Snowball for Cyrillic words, English Snowball for the rest).

>>> tokens("Ёлка, «КВАДРАТНЫЕ» уравнения-2")
['елка', 'квадратные', 'уравнения', '2']
>>> stems(["уравнения", "lessons", "2"])
['уравнен', 'lesson', '2']
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable

import Stemmer

# Bump when normalisation or stemming changes: stored search terms are then recomputed
# (see ``apply.reindex_search``), because an index built with other rules misses words.
TEXT_VERSION = 1

# Letters and digits. "_" is a word character for ``\w`` but a separator for people; it is
# replaced by a space first, as ``\w+`` is faster than ``[^\W_]+``.
_WORD_RE = re.compile(r"\w+")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_DIGITS_RE = re.compile(r"\d+")

# PyStemmer objects are not thread-safe, and the writer (sync worker) and the reader
# (GUI thread) both stem: each thread gets its own pair, created on first use.
_local = threading.local()


def text_version() -> str:
    """Identifies the rules behind indexed terms: ours, the stemmer's, Unicode's case folding."""
    return f"{TEXT_VERSION}/pystemmer-{Stemmer.version()}/unicode-{unicodedata.unidata_version}"


# Word forms repeat endlessly in a catalog; remembering their stems makes indexing several
# times faster than asking the stemmer each time. Bounded, per thread (see _local).
_CACHE_LIMIT = 200_000


def _stemmers() -> tuple[Stemmer.Stemmer, Stemmer.Stemmer, dict[str, str]]:
    state = getattr(_local, "state", None)
    if state is None:
        state = (Stemmer.Stemmer("russian"), Stemmer.Stemmer("english"), {})
        _local.state = state
    return state


def normalize(text: str) -> str:
    """Fold case and "ё" so that "ЁЛКА", "Ёлка" and "елка" compare equal.

    >>> normalize("ЁЛКА Lesson")
    'елка lesson'
    """
    # NFC first: a decomposed "й" (и + combining breve) would otherwise split the word.
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.casefold().replace("ё", "е")


def tokens(text: str) -> list[str]:
    """Normalised words of ``text``, in order, digits kept.

    >>> tokens('x AND "y*" (z')
    ['x', 'and', 'y', 'z']
    """
    return _WORD_RE.findall(normalize(text).replace("_", " "))


def stems(words: Iterable[str]) -> list[str]:
    """Stem already-normalised words: Cyrillic with the Russian stemmer, others English.

    >>> stems(["ресурсов", "ресурс", "елки"])
    ['ресурс', 'ресурс', 'елк']
    """
    russian, english, cache = _stemmers()
    words = words if isinstance(words, list) else list(words)
    out = list(map(cache.get, words))  # the common case: every form seen before
    if None not in out:
        return out
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    for i, stem in enumerate(out):
        if stem is None:
            word = words[i]
            if word.isascii():
                stem = word if word.isdigit() else english.stemWord(word)
            elif _CYRILLIC_RE.search(word):
                stem = russian.stemWord(word)
            else:
                stem = english.stemWord(word)
            cache[word] = out[i] = stem
    return out


def terms(*texts: str) -> str:
    """Space-joined stems of all ``texts``: what goes into an FTS column.

    >>> terms("Квадратное уравнение", "Lessons")
    'квадратн уравнен lesson'
    """
    # One pass over the joined text: each regex and casefold call has a fixed cost.
    return " ".join(stems(tokens("\n".join(texts))))


def sort_key(title: str) -> str:
    """A collation key for titles: case- and "ё"-insensitive, numbers in numeric order.

    >>> sort_key("«10 класс»") > sort_key("9 класс")
    True
    """
    key = normalize(title).lstrip(" \t\"'«»„“”([{-—–.,;:!?*#")
    # Zero-pad digit runs so "10" sorts after "9" under SQLite's binary collation.
    return _DIGITS_RE.sub(lambda m: m.group().zfill(12), key)
