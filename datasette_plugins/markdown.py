"""Recorded subagent results as safe HTML: CommonMark (markdown-it-py), then nh3.

markdown-it-py parses with raw HTML switched off, so ``<script>`` or ``<img onerror>``
in a result is shown as the text it is; pipe tables and strikethrough are on. Headings
move down two levels (a report's ``#`` must not outshout the page's own title). nh3
then keeps only the tags and attributes listed here and only http(s)/mailto links,
whatever the parser let through.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = frozenset(
    {
        "p", "br", "hr", "h3", "h4", "h5", "h6", "strong", "em", "s", "code", "pre",
        "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
SCHEMES = frozenset({"http", "https", "mailto"})
HEADING_SHIFT = 2


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def render(text: str | None) -> Markup:
    """``text`` (Markdown) as safe HTML."""
    if not text:
        return Markup("")
    parser = _parser()
    tokens = parser.parse(str(text))
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
            token.tag = f"h{level}"
    html = parser.renderer.render(tokens, parser.options, {})
    clean = nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(SCHEMES),
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(clean.strip())
