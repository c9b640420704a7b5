"""The knowledge-base actions, one function each; views parse input, call one, render.

What the user must correct or retry comes back as a ValidationError, keyed by form field where
it concerns one (`form.add_error(None, error)` puts each message at its place); a missing article
stays kayako.NotFound, the site's 404.
"""

from enum import Enum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

import kayako
from common import pagecache
from common.abuse import rate_limited

from . import votes


class RateOutcome(Enum):
    RECORDED = "recorded"
    ALREADY_VOTED = "already"
    TOO_MANY = "too-many"
    UNAVAILABLE = "unavailable"


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
    except kayako.KayakoError as error:
        votes.forget(request, article_id)
        if isinstance(error, kayako.Unavailable | kayako.ProtocolError):
            return RateOutcome.UNAVAILABLE
        raise
    pagecache.invalidate("kb")
    return RateOutcome.RECORDED


def article_comment(*, request, article_id: int, name: str, comment: str) -> None:
    """Publishes the comment, or raises ValidationError: commented too often lately, refused by
    the helpdesk (at the comment), or the helpdesk unavailable."""
    limit, window = settings.KB_COMMENT_RATE_LIMIT
    if rate_limited(request, "kb-comment", limit=limit, window_seconds=window):
        raise ValidationError(_("You have commented several times in a short time. Please wait a few minutes."))
    try:
        kayako.add_knowledge_base_article_comment(article_id=article_id, poster_name=name, comment=comment)
    except kayako.NotFound:
        raise
    except kayako.Rejected as error:
        raise ValidationError({"comment": error.user_message}) from error
    except (kayako.Unavailable, kayako.ProtocolError) as error:
        raise ValidationError(_("Your comment could not be sent because the support system is unavailable. "
                                "It is still in the form below; please try again in a few minutes.")) from error
    pagecache.invalidate("kb")
