"""What the portal itself keeps about the knowledge base: votes and a local search index.

The articles live in the helpdesk; the index is a copy of their text made by `kb_sync` so the
portal can search (the API has no search).
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class ArticleVote(models.Model):
    """A signed-in customer's one vote on an article (guests' votes live in their session)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kb_votes")
    article_id = models.PositiveIntegerField()
    helpful = models.BooleanField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "article_id"], name="kb_one_vote_per_article")]

    def __str__(self):
        return f"{self.user_id} on {self.article_id}: {'helpful' if self.helpful else 'not helpful'}"


class IndexedArticle(models.Model):
    article_id = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=255)
    body = models.TextField()
    path = models.CharField(max_length=500, blank=True)  # the category trail, for results
    synced = models.DateTimeField()
    # PostgreSQL's full-text vector (GIN-indexed); SQLite searches its FTS5 table kb_search instead.
    search_vector = SearchVectorField(null=True, editable=False)

    def __str__(self):
        return self.title


class IndexState(models.Model):
    """One row: when the index was last filled."""

    finished = models.DateTimeField(null=True)
    articles = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.articles} articles at {self.finished}"
