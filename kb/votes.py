"""One vote per visitor per article: in the database for signed-in customers, in the session
for guests."""

from django.db import IntegrityError

from .models import ArticleVote

SESSION_KEY = "kb_votes"


def has_voted(request, article_id: int) -> bool:
    if request.user.is_authenticated:
        return ArticleVote.objects.filter(user=request.user, article_id=article_id).exists()
    return article_id in request.session.get(SESSION_KEY, [])


def record(request, article_id: int, helpful: bool) -> bool:
    """Records the vote; False when this visitor had already voted (a race of two requests)."""
    if request.user.is_authenticated:
        try:
            ArticleVote.objects.create(user=request.user, article_id=article_id, helpful=helpful)
        except IntegrityError:
            return False
        return True
    voted = request.session.get(SESSION_KEY, [])
    if article_id in voted:
        return False
    request.session[SESSION_KEY] = [*voted, article_id][-500:]
    return True


def forget(request, article_id: int) -> None:
    """Undo a vote that the helpdesk did not take."""
    if request.user.is_authenticated:
        ArticleVote.objects.filter(user=request.user, article_id=article_id).delete()
    else:
        request.session[SESSION_KEY] = [v for v in request.session.get(SESSION_KEY, []) if v != article_id]
