"""Knowledge-base pages. A missing category or article is the site's 404 (via the middleware);
with the helpdesk down a cached copy is shown with a notice, else the 503 page."""

import hashlib

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

import kayako

from . import search as kb_search
from . import votes
from .forms import CommentForm, RatingForm, SearchForm
from .services import RateOutcome, article_comment, article_rate

RATE_MESSAGES = {
    RateOutcome.RECORDED: gettext_lazy("Thank you for your feedback."),
    RateOutcome.ALREADY_VOTED: gettext_lazy("You have already rated this article. Thank you!"),
    RateOutcome.TOO_MANY: gettext_lazy("You have rated many articles in a short time. Please try again later."),
}


def _slug(title: str, fallback: str) -> str:
    return slugify(title) or fallback


def article_url(article_id: int, title: str) -> str:
    return reverse("kb:article", args=[article_id, _slug(title, "article")])


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@require_GET
def index(request):
    listing = kayako.get_knowledge_base_categories(category_id=0)
    articles = kayako.get_knowledge_base_articles(category_id=0)
    return render(request, "kb/index.html", {
        "categories": listing.categories, "articles": articles, "stale": kayako.served_stale(),
    })


@require_GET
def category(request, category_id: int, slug: str = ""):
    listing = kayako.get_knowledge_base_categories(category_id=category_id)
    own = next((b for b in listing.breadcrumbs if b.category_id == category_id), None)
    title = own.title if own else _("Category")
    canonical = _slug(title, "category")
    if slug != canonical:
        return redirect("kb:category", category_id=category_id, slug=canonical, permanent=True)
    articles = kayako.get_knowledge_base_articles(category_id=category_id)
    return render(request, "kb/category.html", {
        "title": title,
        "breadcrumbs": [b for b in listing.breadcrumbs if b.category_id != category_id],
        "categories": listing.categories,
        "articles": articles,
        "stale": kayako.served_stale(),
    })


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
        "has_voted": votes.has_voted(request, article.id),
        "stale": kayako.served_stale(),
    }


@require_GET
def article(request, article_id: int, slug: str = ""):
    found = kayako.get_knowledge_base_article(article_id=article_id)
    canonical = _slug(found.title, "article")
    if slug != canonical:
        return redirect("kb:article", article_id=article_id, slug=canonical, permanent=True)
    return render(request, "kb/article.html", _article_context(request, found))


@require_POST
def rate(request, article_id: int):
    form = RatingForm(request.POST)
    level, text = messages.ERROR, _("Choose Yes or No.")
    if form.is_valid():
        try:
            outcome = article_rate(request=request, article_id=article_id, helpful=form.cleaned_data["helpful"])
            level = messages.SUCCESS if outcome is RateOutcome.RECORDED else messages.INFO
            text = RATE_MESSAGES[outcome]
        except (kayako.Unavailable, kayako.ProtocolError):
            text = _("Your vote could not be sent because the support system is unavailable. Please try again later.")
    found = kayako.get_knowledge_base_article(article_id=article_id)
    if _is_htmx(request):
        context = {**_article_context(request, found), "rating_message": text, "rating_level": level}
        return render(request, "kb/_rating.html", context)
    messages.add_message(request, level, text)
    return redirect(article_url(article_id, found.title) + "#rating")


@require_POST
def comment(request, article_id: int):
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            if article_comment(request=request, article_id=article_id, name=form.cleaned_data["name"],
                               comment=form.cleaned_data["comment"]):
                found = kayako.get_knowledge_base_article(article_id=article_id)
                messages.success(request, _("Thank you, your comment is published."))
                return redirect(article_url(article_id, found.title) + "#comments")
            form.add_error(None, _("You have commented several times in a short time. Please wait a few minutes."))
        except kayako.NotFound:
            raise
        except kayako.Rejected as error:
            form.add_error("comment", error.user_message)
        except (kayako.Unavailable, kayako.ProtocolError):
            form.add_error(None, _("Your comment could not be sent because the support system is unavailable. "
                                   "It is still in the form below; please try again in a few minutes."))
    found = kayako.get_knowledge_base_article(article_id=article_id)
    return render(request, "kb/article.html", _article_context(request, found, form), status=400)


@require_GET
def search(request):
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    kb_search.refresh_in_background()
    hits = kb_search.search(query) if query else []
    return render(request, "kb/search.html", {
        "form": form, "query": query, "hits": hits, "index_empty": not kb_search.IndexedArticle.objects.exists(),
    })


@require_GET
def suggest(request):
    """An HTML fragment of up to 5 articles matching `q` (or `subject`, as the ticket form sends it)."""
    form = SearchForm({"q": request.GET.get("q") or request.GET.get("subject", "")})
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    kb_search.refresh_in_background()
    hits = kb_search.search(query, limit=5, any_word=True) if len(query) >= 3 else []
    return render(request, "kb/_suggestions.html", {"hits": hits, "query": query})
