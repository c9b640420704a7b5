"""Knowledge-base reads, one function each with keyword-only arguments. Views call these and
services.py, never the service module directly."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

import kayako

from . import search, votes
from .models import IndexedArticle


@dataclass(frozen=True)
class CategoryPage:
    title: str
    ancestors: tuple[kayako.Breadcrumb, ...]  # from the root down, without the category itself
    categories: tuple[kayako.Category, ...]
    articles: tuple[kayako.ArticleSummary, ...]


def category_get(*, category_id: int) -> CategoryPage:
    """A category (0 is the root) with its subcategories and articles."""
    listing = kayako.get_knowledge_base_categories(category_id=category_id)
    articles = kayako.get_knowledge_base_articles(category_id=category_id)
    own = next((b for b in listing.breadcrumbs if b.category_id == category_id), None)
    return CategoryPage(
        title=own.title if own else _("Category"),
        ancestors=tuple(b for b in listing.breadcrumbs if b.category_id != category_id),
        categories=listing.categories,
        articles=articles,
    )


def article_get(*, article_id: int) -> kayako.Article:
    return kayako.get_knowledge_base_article(article_id=article_id)


def article_voted(*, request, article_id: int) -> bool:
    return votes.has_voted(request, article_id)


def article_search(*, query: str, limit: int = 20, any_word: bool = False) -> list[search.Hit]:
    """Articles matching the query, from the local index (the worker refreshes it)."""
    return search.search(query, limit=limit, any_word=any_word) if query else []


def article_search_tolerant(*, query: str) -> search.Results:
    """The search page's results: typos forgiven when nothing matches as typed."""
    return search.search_tolerant(query) if query else search.Results([], None)


def search_index_is_empty() -> bool:
    return not IndexedArticle.objects.exists()
