from datetime import UTC, datetime, timedelta

import pytest

from tickets.colours import contrast, readable_text
from tickets.templatetags.ticket_tags import relative


@pytest.mark.parametrize("ago,text", [
    (timedelta(seconds=5), "just now"), (timedelta(minutes=1, seconds=5), "1 minute ago"),
    (timedelta(hours=3, minutes=59), "3 hours ago"), (timedelta(days=1), "1 day ago"),
    (timedelta(days=15), "2 weeks ago"), (timedelta(days=800), "2 years ago"),
])
def test_relative_time(ago, text):
    assert relative(datetime.now(UTC) - ago) == text


@pytest.mark.parametrize("background", ["#CF5D60", "#5C83B4", "#FFEEEE", "#000000", "#F07D18", "#8BB467", "#777"])
def test_badge_text_meets_wcag_aa(background):
    assert contrast(background, readable_text(background)) >= 4.5
