"""Searching the knowledge base, which the API cannot do: a local index filled through the API
(`sync`, which the task worker runs every KB_INDEX_MAX_AGE seconds), searched with the database's
own engine (PostgreSQL full-text search, SQLite FTS5)."""

import difflib
import logging
import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

import kayako
from common.html import html_to_text

from .models import IndexedArticle, IndexState

logger = logging.getLogger(__name__)
MARK_START, MARK_END = "\x02", "\x03"
MAX_TERMS = 8
# A word the index does not know is read as the most similar one it knows, if this similar (0..1).
SIMILAR_WORD_CUTOFF = 0.75


@dataclass(frozen=True)
class Hit:
    article_id: int
    title: str
    path: str
    snippet: SafeString


# --- filling the index ----------------------------------------------------------------------


def _walk(category_id: int, path: tuple[str, ...], seen: set[int]):
    """(article id, path) for every article under a category, depth first."""
    for summary in kayako.get_knowledge_base_articles(category_id=category_id):
        yield summary.id, path
    for child in kayako.get_knowledge_base_categories(category_id=category_id).categories:
        if child.id not in seen:  # a cycle in the helpdesk's tree must not loop forever
            seen.add(child.id)
            yield from _walk(child.id, (*path, child.title), seen)


def _clean(text: str) -> str:
    return text.replace(MARK_START, "").replace(MARK_END, "")


def sync() -> int:
    """Copy every article's text from the helpdesk into the index; returns how many."""
    now = timezone.now()
    rows = []
    for article_id, path in _walk(0, (), {0}):
        article = kayako.get_knowledge_base_article(article_id=article_id)
        rows.append(IndexedArticle(
            article_id=article_id, title=_clean(article.title)[:255], body=_clean(html_to_text(article.body)),
            path=" › ".join(path)[:500], synced=now,
        ))
    with transaction.atomic():
        IndexedArticle.objects.all().delete()
        IndexedArticle.objects.bulk_create(rows)
        if connection.vendor == "postgresql":
            IndexedArticle.objects.update(
                search_vector=SearchVector("title", weight="A", config="english")
                + SearchVector("body", weight="B", config="english")
            )
        elif connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM kb_search")
                cursor.execute("INSERT INTO kb_search(rowid, title, body) SELECT article_id, title, body FROM kb_indexedarticle")
        IndexState.objects.update_or_create(pk=1, defaults={"finished": now, "articles": len(rows)})
    logger.info("kb index: %s articles", len(rows))
    return len(rows)


# --- searching ------------------------------------------------------------------------------


def _terms(query: str) -> list[str]:
    return re.findall(r"\w+", query.lower())[:MAX_TERMS]


def _highlight(snippet: str) -> SafeString:
    """Escape the snippet, then turn the engine's markers into <mark>."""
    escaped = escape(snippet)
    return mark_safe(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S308


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    corrected: str | None  # the query as searched, when a word of it was read as a similar one


def search_tolerant(query: str, *, limit: int = 20) -> Results:
    """search(), and when nothing matches, again with each word the index does not know replaced by
    the most similar one it knows ("passwrd" finds "password")."""
    hits = search(query, limit=limit)
    if hits:
        return Results(hits, None)
    terms = _terms(query)
    corrected = [_similar_word(term) or term for term in terms]
    if corrected == terms:
        return Results([], None)
    text = " ".join(corrected)
    hits = search(text, limit=limit)
    return Results(hits, text if hits else None)


def _similar_word(term: str) -> str | None:
    """The indexed word most like `term`: trigram similarity (pg_trgm) on PostgreSQL; on SQLite,
    difflib's ratio over FTS5's vocabulary (only words sharing the term's first letter, a few
    thousand at most for a knowledge base)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT word FROM ts_stat('SELECT search_vector FROM kb_indexedarticle') "
                "WHERE similarity(word, %s) >= 0.3 ORDER BY similarity(word, %s) DESC, nentry DESC LIMIT 1",
                [term, term],
            )
            row = cursor.fetchone()
            return row[0] if row else None
        if connection.vendor != "sqlite":
            return None
        cursor.execute("SELECT term FROM kb_search_vocabulary WHERE term >= %s AND term < %s",
                       [term[0], term[0] + "\U0010ffff"])
        words = [row[0] for row in cursor.fetchall()]
    match = difflib.get_close_matches(term, words, n=1, cutoff=SIMILAR_WORD_CUTOFF)
    return match[0] if match else None


def search(query: str, *, limit: int = 20, any_word: bool = False) -> list[Hit]:
    """Articles with every word of the query (prefixes count), best first; with `any_word`,
    articles with any of them, as suits a ticket subject typed as a sentence."""
    terms = _terms(query)
    if not terms:
        return []
    if connection.vendor == "postgresql":
        return _search_postgresql(terms, limit, any_word)
    return _search_sqlite(terms, limit, any_word)


def _search_sqlite(terms: list[str], limit: int, any_word: bool) -> list[Hit]:
    match = (" OR " if any_word else " ").join(f'"{term}"*' for term in terms)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.article_id, a.title, a.path, snippet(kb_search, 1, %s, %s, '…', 16) "
            "FROM kb_search JOIN kb_indexedarticle a ON a.article_id = kb_search.rowid "
            "WHERE kb_search MATCH %s ORDER BY bm25(kb_search, 10.0, 1.0) LIMIT %s",
            [MARK_START, MARK_END, match, limit],
        )
        return [Hit(row[0], row[1], row[2], _highlight(row[3])) for row in cursor.fetchall()]


def _search_postgresql(terms: list[str], limit: int, any_word: bool) -> list[Hit]:
    operator = " | " if any_word else " & "
    query = SearchQuery(operator.join(f"{term}:*" for term in terms), search_type="raw", config="english")
    rows = (
        IndexedArticle.objects.filter(search_vector=query)
        .annotate(
            rank=SearchRank("search_vector", query),
            snippet=SearchHeadline(
                "body", query, config="english", start_sel=MARK_START, stop_sel=MARK_END,
                max_words=30, min_words=12, short_word=2,
            ),
        )
        .order_by("-rank", "title")[:limit]
    )
    return [Hit(r.article_id, r.title, r.path, _highlight(r.snippet)) for r in rows]
