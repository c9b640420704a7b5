"""Knowledge-base pages. A missing category or article is the site's 404 (via the middleware);
with the helpdesk down a cached copy is shown (the site's notice says so), else the 503 page."""

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

import kayako
from common import pagecache

from . import selectors, services
from .forms import CommentForm, RatingForm, SearchForm
from .services import RateOutcome

# What a vote's outcome tells the visitor, and how (None: no choice was made).
RATE_MESSAGES = {
    RateOutcome.RECORDED: (messages.SUCCESS, _("Thank you for your feedback.")),
    RateOutcome.ALREADY_VOTED: (messages.INFO, _("You have already rated this article. Thank you!")),
    RateOutcome.TOO_MANY: (messages.INFO, _("You have rated many articles in a short time. Please try again later.")),
    RateOutcome.UNAVAILABLE: (messages.ERROR, _(
        "Your vote could not be sent because the support system is unavailable. Please try again later.")),
    None: (messages.ERROR, _("Choose Yes or No.")),
}
SUGGEST_MIN_LENGTH = 3
# Whole article and category pages, one copy for every visitor without a session (common.pagecache).
kept_for_anonymous = pagecache.anonymous_page("kb", seconds_setting="ANONYMOUS_PAGE_CACHE_SECONDS",
                                              live=kayako.page_from_live_data)


def _slug(title: str, fallback: str) -> str:
    return slugify(title) or fallback


def _canonical_redirect(route: str, slug: str, title: str, **ids):
    """A permanent redirect to the URL with the title's slug, when it is not this one (the slug was
    left out, or the title changed); None when it is."""
    canonical = _slug(title, route)
    return None if slug == canonical else redirect(f"kb:{route}", slug=canonical, permanent=True, **ids)


def _article_url(article: kayako.Article, fragment: str) -> str:
    return reverse("kb:article", args=[article.id, _slug(article.title, "article")]) + fragment


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _query(form: SearchForm) -> str:
    return form.cleaned_data["q"].strip() if form.is_valid() else ""


@require_GET
def index(request):
    root = selectors.category_get(category_id=0)
    return render(request, "kb/index.html", {"categories": root.categories, "articles": root.articles})


@require_GET
@kept_for_anonymous
def category(request, category_id: int, slug: str = ""):
    page = selectors.category_get(category_id=category_id)
    context = {"title": page.title, "breadcrumbs": page.ancestors, "categories": page.categories,
               "articles": page.articles}
    return (_canonical_redirect("category", slug, page.title, category_id=category_id)
            or render(request, "kb/category.html", context))


def _article_context(request, article: kayako.Article, comment_form: CommentForm | None = None) -> dict:
    if comment_form is None:
        initial = {}
        if request.user.is_authenticated:
            initial["name"] = request.user.get_full_name() or request.user.email
        comment_form = CommentForm(initial=initial)
    return {
        "article": article,
        # The rendered article is cached under a digest of everything shown: any change is a new key.
        "content_key": hashlib.blake2b(repr(article).encode(), digest_size=16).hexdigest(),
        "comment_form": comment_form,
        "rating_form": RatingForm(),
        "has_voted": selectors.article_voted(request=request, article_id=article.id),
    }


@require_GET
@kept_for_anonymous
def article(request, article_id: int, slug: str = ""):
    found = selectors.article_get(article_id=article_id)
    return (_canonical_redirect("article", slug, found.title, article_id=article_id)
            or render(request, "kb/article.html", _article_context(request, found)))


@require_POST
def rate(request, article_id: int):
    form = RatingForm(request.POST)
    outcome = services.article_rate(request=request, article_id=article_id,
                                    helpful=form.cleaned_data["helpful"]) if form.is_valid() else None
    level, text = RATE_MESSAGES[outcome]
    found = selectors.article_get(article_id=article_id)
    if _is_htmx(request):
        context = {**_article_context(request, found), "rating_message": text, "rating_level": level}
        return render(request, "kb/_rating.html", context)
    messages.add_message(request, level, text)
    return redirect(_article_url(found, "#rating"))


@require_POST
def comment(request, article_id: int):
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.article_comment(request=request, article_id=article_id, name=form.cleaned_data["name"],
                                     comment=form.cleaned_data["comment"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you, your comment is published."))
            return redirect(_article_url(selectors.article_get(article_id=article_id), "#comments"))
    found = selectors.article_get(article_id=article_id)
    return render(request, "kb/article.html", _article_context(request, found, form), status=400)


@require_GET
def search(request):
    form = SearchForm(request.GET)
    query = _query(form)
    results = selectors.article_search_tolerant(query=query)
    return render(request, "kb/search.html", {
        "form": form, "query": query, "hits": results.hits, "corrected": results.corrected,
        "index_empty": selectors.search_index_is_empty(),
    }, status=400 if form.errors else 200)


@require_GET
def suggest(request):
    """An HTML fragment of up to 5 articles matching `q` (or `subject`, as the ticket form sends it)."""
    query = _query(SearchForm({"q": request.GET.get("q") or request.GET.get("subject", "")}))
    hits = selectors.article_search(query=query if len(query) >= SUGGEST_MIN_LENGTH else "", limit=5, any_word=True)
    return render(request, "kb/_suggestions.html", {"hits": hits, "query": query})
