import pytest

from tickets.colours import contrast, readable_text


@pytest.mark.parametrize("background", ["#CF5D60", "#5C83B4", "#FFEEEE", "#000000", "#F07D18", "#8BB467", "#777"])
def test_badge_text_meets_wcag_aa(background):
    assert contrast(background, readable_text(background)) >= 4.5
