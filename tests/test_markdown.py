"""Recorded results rendered as Markdown: CommonMark through markdown-it-py, cleaned by nh3."""

from __future__ import annotations

import re

from datasette_plugins.markdown import render

BLOCK = r"</?(?:p|ul|ol|li|h\d|table|thead|tbody|tr|th|td|blockquote|pre|hr)\b[^>]*>"


def squash(html) -> str:
    """The HTML without the newlines markdown-it puts before and after block tags."""
    return re.sub(rf"\n*({BLOCK})\n*", r"\1", str(html)).strip()


def test_recorded_html_is_escaped_and_unsafe_links_dropped():
    html = squash(
        render(
            "# Head <b>\n"
            "Some **bold** and *it* and `<code>` [ok](https://example.com/a?b=1&c=2) "
            "[bad](javascript:alert(1)) <script>x</script>\n\n"
            "```\n<script>in fence</script>\n```\n"
            "| a | b |\n|---|---|\n| <i>1</i> | 2 |\n\n"
            "> quoted <img src=x onerror=alert(1)>\n\n"
            "<div onclick=x>raw block</div>\n\n"
            "1. one\n2. two\n"
        )
    )
    assert "<script" not in html and "<img" not in html and "<i>" not in html
    assert "<div" not in html and "onclick" not in html.replace("&lt;div onclick", "")
    assert "<h3>Head &lt;b&gt;</h3>" in html
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert "<code>&lt;code&gt;</code>" in html
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">ok</a>'
        in html
    )
    assert 'href="javascript' not in html and "[bad](javascript:alert(1))" in html
    assert "<pre><code>&lt;script&gt;in fence&lt;/script&gt;\n</code></pre>" in html
    assert "<th>a</th>" in html and "<td>&lt;i&gt;1&lt;/i&gt;</td>" in html
    assert "<blockquote><p>quoted &lt;img src=x onerror=alert(1)&gt;</p></blockquote>" in html
    assert "<ol><li>one</li><li>two</li></ol>" in html


def test_nested_lists():
    html = squash(render("- fruit\n  - apple\n  - pear\n- veg\n  1. leek\n"))
    assert html == (
        "<ul><li>fruit<ul><li>apple</li><li>pear</li></ul></li>"
        "<li>veg<ol><li>leek</li></ol></li></ul>"
    )


def test_list_item_over_several_lines():
    html = squash(render("1. first line\n   continues here\n2. second\n"))
    assert html == "<ol><li>first line\ncontinues here</li><li>second</li></ol>"


def test_bold_around_code():
    html = squash(render("Run **`make test`** first and __`ruff`__ after."))
    assert "<strong><code>make test</code></strong>" in html
    assert "<strong><code>ruff</code></strong>" in html


def test_link_containing_parenthesis():
    html = squash(render("See [Python](https://en.wikipedia.org/wiki/Python_(language)) now."))
    assert 'href="https://en.wikipedia.org/wiki/Python_(language)"' in html
    assert ">Python</a> now." in html


def test_setext_headings():
    html = squash(render("Summary\n=======\n\nDetails\n-------\ntext"))
    assert html == "<h3>Summary</h3><h4>Details</h4><p>text</p>"


def test_indented_code():
    html = squash(render("Before:\n\n    def f():\n        return '<x>'\n\nAfter."))
    assert "<pre><code>def f():\n    return '&lt;x&gt;'\n</code></pre>" in html
    assert html.startswith("<p>Before:</p>") and html.endswith("<p>After.</p>")


def test_empty_and_none():
    assert render("") == "" and render(None) == ""
