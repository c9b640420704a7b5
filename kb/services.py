"""The knowledge-base actions, one function each; views parse input, call one, render."""

from enum import Enum

from django.conf import settings

import kayako
from common.abuse import rate_limited

from . import votes


class RateOutcome(Enum):
    RECORDED = "recorded"
    ALREADY_VOTED = "already"
    TOO_MANY = "too-many"


def article_rate(*, request, article_id: int, helpful: bool) -> RateOutcome:
    """One vote per visitor: reserved first, so a double click cannot count twice; released if
    the helpdesk does not take it."""
    if votes.has_voted(request, article_id):
        return RateOutcome.ALREADY_VOTED
    limit, window = settings.KB_RATE_RATE_LIMIT
    if rate_limited(request, "kb-rate", limit=limit, window_seconds=window):
        return RateOutcome.TOO_MANY
    # No transaction is held across the SOAP call (the helpdesk may share this database).
    if not votes.record(request, article_id, helpful):
        return RateOutcome.ALREADY_VOTED
    try:
        kayako.rate_knowledge_base_article(article_id=article_id, helpful=helpful)
    except kayako.KayakoError:
        votes.forget(request, article_id)
        raise
    return RateOutcome.RECORDED


def article_comment(*, request, article_id: int, name: str, comment: str) -> bool:
    """False when this client has commented too often lately; kayako errors propagate."""
    limit, window = settings.KB_COMMENT_RATE_LIMIT
    if rate_limited(request, "kb-comment", limit=limit, window_seconds=window):
        return False
    kayako.add_knowledge_base_article_comment(article_id=article_id, poster_name=name, comment=comment)
    return True
