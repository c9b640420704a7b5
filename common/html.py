"""HTML from the helpdesk (article bodies, staff posts) made safe to show, and plain text shown
as text. One allowlist for the whole site."""

import html
import re

import nh3
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div", "dl", "dt",
    "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
    "s", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "abbr": {"title"},
}
# No javascript:, no data:, nothing that runs or embeds.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Where a line, or a paragraph, ends when HTML becomes plain text.
LINE_ENDS = re.compile(r"(?i)<br\s*/?>|</(?:div|li|tr|dt|dd)\s*>")
PARAGRAPH_ENDS = re.compile(r"(?i)</(?:p|h[1-6]|blockquote|pre|table|ul|ol|dl)\s*>")


def sanitize(untrusted_html: str) -> SafeString:
    cleaned = nh3.clean(
        untrusted_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 has just cleaned it


def plain_text(text: str) -> SafeString:
    """Text shown as text: escaped, with its line breaks kept."""
    return mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 - escaped by linebreaks


def html_to_text(untrusted_html: str) -> str:
    """The words of an HTML body, for the search index: paragraphs and lines stay apart by a space
    ("question. If", not "question.If")."""
    return " ".join(html_to_plain(untrusted_html).split())


def html_to_plain(untrusted_html: str) -> str:
    """An HTML body as plain text that keeps its lines and paragraphs (the text part of a mail)."""
    marked = PARAGRAPH_ENDS.sub(lambda end: end.group(0) + "\n\n", untrusted_html)
    marked = LINE_ENDS.sub(lambda end: end.group(0) + "\n", marked)
    stripped = nh3.clean(marked, tags=set(), attributes={}, strip_comments=True)
    lines = [" ".join(line.split()) for line in html.unescape(stripped).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
