"""Search tokens of the public registry: the character unigrams and bigrams of normalised text.

Every character of a name is a unigram and every pair of adjacent characters a bigram, for Chinese and Latin
alike. A query of one or two characters is then exactly one token, and a longer query is found among the rows
that hold all of its bigrams (followed by a substring check), so the search returns what a full scan would.
No dictionary or word segmentation is involved, so no substring is ever missed.

That table serves SQLite. On PostgreSQL a GIN index over registry_search_grams(text, registered_on) (migration
0005) takes its place: every substring of one to three characters of each line is a gram, so a query of up to
three characters is one gram and a longer one is found among the rows that hold all of its trigrams. Each gram is
keyed by the record's year of registration, so that the newest matches can be read a year at a time. Posting
lists in a GIN index are compressed, which keeps it a fraction of the size of the records.
"""

import unicodedata
from collections.abc import Iterable

# Longest accepted query, in characters (after normalisation).
QUERY_MAX_LENGTH = 50


def normalize(text: str) -> str:
    """Return text as the search compares it: NFKC (full-width forms become ASCII), lower case, single blanks."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def text_tokens(text: str) -> set[str]:
    """Return the unigrams and bigrams of one normalised text; runs of blanks alone are no token."""
    tokens = set(text)
    tokens.update(text[index : index + 2] for index in range(len(text) - 1))
    return {token for token in tokens if not token.isspace()}


def texts_tokens(texts: list[str]) -> set[str]:
    """Return the tokens of several texts; no bigram spans two texts."""
    tokens: set[str] = set()
    for text in texts:
        tokens |= text_tokens(normalize(text))
    return tokens


def query_tokens(query: str) -> list[str]:
    """Return the tokens a normalised query needs: itself when it is one or two characters, else its bigrams."""
    if len(query) <= 2:
        return [query]
    return list(dict.fromkeys(query[index : index + 2] for index in range(len(query) - 1)))


# The longest substring that the PostgreSQL gram index holds.
GRAM_MAX_LENGTH = 3


def text_grams(text: str) -> set[str]:
    """Return what registry_search_grams (migration 0005) makes of a normalised text: its substrings of one to
    three characters, line by line."""
    return {
        line[index : index + width]
        for line in text.split("\n")
        for width in range(1, GRAM_MAX_LENGTH + 1)
        for index in range(len(line) - width + 1)
    }


def year_grams(year: int, grams: Iterable[str]) -> list[str]:
    """Return grams as the index keys them for the records of one year (registry_search_grams)."""
    return [f"{year}\n{gram}" for gram in grams]


def query_grams(query: str) -> list[str]:
    """Return the grams a normalised query needs: itself when it is up to three characters, else its trigrams."""
    if len(query) <= GRAM_MAX_LENGTH:
        return [query]
    width = GRAM_MAX_LENGTH
    return list(dict.fromkeys(query[index : index + width] for index in range(len(query) - width + 1)))
