"""A small, safe Markdown subset for recorded subagent results.

Every piece of recorded text is escaped before any markup is added, so nothing in a
result (``<script>``, ``onerror=``, raw HTML) reaches the page as HTML. Supported:
paragraphs, ATX headings, fenced code, bullet and numbered lists, block quotes,
rules, pipe tables, and inline code, bold, italics and http(s)/mailto links.
Anything else is shown as the text it is.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

CODE_SPAN = re.compile(r"(`[^`\n]+`)")
BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)[^\s)]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
NUMBERED = re.compile(r"^\s*\d{1,9}[.)]\s+(.*)$")
QUOTE = re.compile(r"^\s*>\s?(.*)$")
RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)+\|?\s*$")


def inline(text: str) -> str:
    """One line of text as safe HTML with inline code, emphasis and links."""
    out = []
    for piece in CODE_SPAN.split(text):
        if len(piece) > 2 and piece.startswith("`") and piece.endswith("`"):
            out.append(f"<code>{escape(piece[1:-1])}</code>")
            continue
        html = str(escape(piece))
        html = LINK.sub(r'<a href="\2" rel="nofollow noopener noreferrer">\1</a>', html)
        html = BOLD.sub(r"<strong>\2</strong>", html)
        html = ITALIC.sub(r"<em>\1</em>", html)
        out.append(html)
    return "".join(out)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.strip() for cell in line.split("|")]


def _table(header: str, rows: list[str]) -> str:
    head = "".join(f"<th>{inline(c)}</th>" for c in _cells(header))
    body = "".join(
        "<tr>" + "".join(f"<td>{inline(c)}</td>" for c in _cells(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(text: str | None) -> Markup:
    """``text`` as safe HTML (a Markup string)."""
    if not text:
        return Markup("")
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    html: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            html.append("<p>" + "<br>".join(inline(p) for p in paragraph) + "</p>")
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence:
            flush()
            code = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence.group(1)):
                code.append(lines[i])
                i += 1
            html.append(f"<pre><code>{escape(chr(10).join(code))}</code></pre>")
            i += 1
            continue
        if not line.strip():
            flush()
            i += 1
            continue
        if "|" in line and i + 1 < len(lines) and TABLE_SEPARATOR.match(lines[i + 1]):
            flush()
            rows = []
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append(lines[i])
                i += 1
            html.append(_table(line, rows))
            continue
        heading = HEADING.match(line)
        if heading:
            flush()
            level = min(len(heading.group(1)) + 2, 6)
            html.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
            i += 1
            continue
        if RULE.match(line):
            flush()
            html.append("<hr>")
            i += 1
            continue
        for pattern, tag in ((BULLET, "ul"), (NUMBERED, "ol")):
            if pattern.match(line):
                flush()
                items = []
                while i < len(lines) and pattern.match(lines[i]):
                    items.append(f"<li>{inline(pattern.match(lines[i]).group(1))}</li>")
                    i += 1
                html.append(f"<{tag}>{''.join(items)}</{tag}>")
                break
        else:
            if QUOTE.match(line):
                flush()
                quoted = []
                while i < len(lines) and QUOTE.match(lines[i]):
                    quoted.append(QUOTE.match(lines[i]).group(1))
                    i += 1
                html.append(f"<blockquote>{render(chr(10).join(quoted))}</blockquote>")
                continue
            paragraph.append(line)
            i += 1
    flush()
    return Markup("".join(html))
