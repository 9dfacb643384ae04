"""Readable, safe cells: badges, durations, tokens, JSON, Markdown, local times, links."""

from __future__ import annotations

import asyncio
import re

import pytest
from datasette.app import Datasette
from test_datasette_helpers import build, get

from datasette_plugins import cells, formatting


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    return build(tmp_path_factory.mktemp("cells") / "agents.db")


@pytest.fixture
def ds(known):
    datasette = Datasette([str(known)])
    asyncio.run(datasette.invoke_startup())
    return datasette


def render(ds, column, value, table="node_executions", row=None):
    return cells.render(row or {}, value, column, table, "agents", ds)


def test_row_page_escapes_recorded_html_and_renders_markdown(ds):
    html = get(ds, "/agents/node_executions/1").text  # node A: Markdown result with XSS
    assert "<script>alert" not in html and "<img src=x" not in html
    assert re.search(
        r"&lt;script&gt;alert\((&#34;|&quot;|\")pwned(&#34;|&quot;|\")\)&lt;/script&gt;", html
    )
    assert "<h4>Found it</h4>" in html
    assert "<strong>Race</strong>" in html and "<code>cart.py</code>" in html
    assert '<span class="ar-badge ar-completed">completed</span>' in html
    assert '<span class="ar-badge ar-success">success</span>' in html
    assert '<span class="ar-duration" title="50,000 ms">50s</span>' in html
    assert '<span class="ar-num">1,000</span>' in html  # token_count
    assert re.search(r'<time class="ar-time" datetime="20\d\d-[^"]+Z">', html)
    assert 'href="/-/agent-runs/runs/1"' in html  # node -> run timeline
    assert 'href="/agents/workflow_runs/1"' in html  # node -> run row
    assert 'href="/agents/sessions/sess-a"' in html  # node -> session
    assert re.search(r'src="/-/agent-runs/static/agent-runs\.js\?v=\w+"', html)
    assert re.search(r'href="/-/agent-runs/static/agent-runs\.css\?v=\w+"', html)


def test_run_and_session_rows_link_back(ds):
    run = get(ds, "/agents/workflow_runs/1").text
    assert "<script>alert" not in run
    assert 'href="/-/agent-runs/runs/1"' in run
    assert '<span class="ar-badge ar-failed">failed</span>' in run
    session = get(ds, "/agents/sessions/sess-a").text
    assert 'href="/agents/node_executions?session_id=sess-a"' in session
    assert 'href="/agents/workflow_runs?session_id=sess-a"' in session


def test_table_page_cells(ds):
    html = get(ds, "/agents/node_executions").text
    assert '<span class="ar-badge ar-failed">failed</span>' in html
    assert '<span class="ar-badge ar-running">running</span>' in html
    assert ">1m 30s<" in html and ">2m 00s<" in html  # C and D
    assert ">5,000<" in html
    assert "<script>alert" not in html


def test_render_cell_values(ds):
    assert render(ds, "duration_ms", 83_000) == (
        '<span class="ar-duration" title="83,000 ms">1m 23s</span>'
    )
    assert render(ds, "token_count", 12450) == '<span class="ar-num">12,450</span>'
    assert render(ds, "cache_read_tokens", 1234567) == '<span class="ar-num">1,234,567</span>'
    assert render(ds, "status", "cancelled") == (
        '<span class="ar-badge ar-cancelled">cancelled</span>'
    )
    assert render(ds, "status", "<b>odd</b>") is None  # unknown values: Datasette's own escaping
    assert render(ds, "started_at", "2026-11-24T09:15:02.123Z") == (
        '<time class="ar-time" datetime="2026-11-24T09:15:02.123Z">2026-11-24T09:15:02.123Z</time>'
    )
    assert render(ds, "started_at", "not a time") is None
    pretty = render(ds, "result_json", '{"a": 1, "b": ["<x>"]}')  # folded to one line
    assert pretty.startswith(
        '<details class="ar-long ar-json-details"><summary><code>'
        "{&#34;a&#34;: 1, &#34;b&#34;: [&#34;&lt;x&gt;&#34;]}</code>"
    )
    assert '<pre class="ar-json">{\n  &#34;a&#34;: 1,' in pretty
    assert "&lt;x&gt;" in pretty and "<x>" not in pretty
    assert render(ds, "result_json", "{}") is None
    # short text is escaped and clamped to two lines (whole on hover and on row pages)
    assert render(ds, "node_name", "a<b") == '<span class="ar-clamp" title="a&lt;b">a&lt;b</span>'


def test_render_cell_escapes_script_everywhere(ds):
    evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    for column in (
        "result_text",
        "prompt",
        "error_message",
        "outcome_reason",
        "result_json",
        "workflow_name",
        "node_name",
        "snippet",
    ):
        for text in (evil, evil * 40, f'{{"k": "{evil}"}}'.replace('"><', "'><")):
            table = (
                None
                if column == "snippet"
                else ("workflow_runs" if column == "workflow_name" else "node_executions")
            )
            out = render(ds, column, text, table=table, row={"id": 1})
            if out is None:
                continue
            assert "<script" not in out and "<img" not in out, (column, out)


def test_long_text_folds(ds):
    long_prompt = "Line one of the prompt\n" + "more detail\n" * 20
    out = render(ds, "prompt", long_prompt)
    assert out.startswith('<details class="ar-long ar-text"><summary>Line one of the prompt')
    assert "(21 lines)" in out
    result = render(ds, "result_text", "# Title\n\n" + "- item\n" * 10)
    assert result.startswith('<details class="ar-long ar-md">') and "<li>item</li>" in result


def test_search_snippet_keeps_only_marks(ds):
    out = render(ds, "snippet", "a <mark>race</mark> in <b>cart</b>", table=None)
    assert out == ('<span class="ar-snippet">a <mark>race</mark> in &lt;b&gt;cart&lt;/b&gt;</span>')


def test_query_results_get_badges_and_links(ds, known):
    sql = "select id as node_execution_id, status, run_id, duration_ms from node_executions"
    html = get(ds, f"/agents?sql={sql.replace(' ', '+')}").text
    assert '<span class="ar-badge ar-failed">failed</span>' in html
    assert 'href="/agents/node_executions/3"' in html
    assert 'href="/-/agent-runs/runs/1"' in html


def test_other_tables_and_databases_are_not_touched(ds):
    assert cells.render({}, "failed", "status", "trails", "agents", ds) is None
    assert cells.render({}, "failed", "status", "node_executions", "nope", ds) is None


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (None, ""),
        (850, "850 ms"),
        (4_250, "4.2s"),
        (45_000, "45s"),
        (83_000, "1m 23s"),
        (3_600_000, "1h 00m"),
        (7_530_000, "2h 05m"),
        (90_000_000, "1d 1h"),
    ],
)
def test_duration_format(ms, text):
    assert formatting.duration(ms) == text
