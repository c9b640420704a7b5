"""Badges in the helpdesk's colours, with a text colour that meets WCAG AA contrast.

The colours go into a small stylesheet (the CSP allows no inline styles); only #RGB and
#RRGGBB values are used, so nothing from the helpdesk can inject CSS.
"""

import re

import kayako

HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
BLACK, WHITE = "#000000", "#FFFFFF"


def _channels(colour: str) -> tuple[float, float, float]:
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return tuple(int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))


def luminance(colour: str) -> float:
    def linear(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_text(background: str) -> str:
    """Black or white, whichever contrasts more with the background (at least 4.5:1 for any colour)."""
    return BLACK if contrast(background, BLACK) >= contrast(background, WHITE) else WHITE


def valid(colour: str) -> bool:
    return bool(colour and HEX.match(colour.strip()))


def badge_rules(statuses: tuple[kayako.Status, ...], priorities: tuple[kayako.Priority, ...]) -> str:
    rules = []
    for status in statuses:
        if valid(status.fore_color):
            rules.append((f"status-{status.id}", status.fore_color.strip()))
    for priority in priorities:
        background = priority.back_color if valid(priority.back_color) else priority.fore_color
        if valid(background):
            rules.append((f"priority-{priority.id}", background.strip()))
    return "\n".join(
        f".badge-{name} {{ background-color: {colour}; color: {readable_text(colour)}; }}" for name, colour in rules
    )
