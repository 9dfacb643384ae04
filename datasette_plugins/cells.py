"""How cells of the agent-runs tables (and of queries on them) render on HTML pages.

Statuses become coloured badges, durations read "1m 23s", token counts get thousands
separators, JSON is pretty-printed, results are rendered as safe Markdown, long text
folds into <details>, timestamps become <time> elements that a page script shows in
the viewer's time zone, and ids link nodes, runs and sessions together. Recorded text
is always escaped; the stored values (and the JSON/CSV API) are untouched.
"""

from __future__ import annotations

import json
import re

from markupsafe import Markup, escape

from . import formatting, links, markdown, schema

TABLES = frozenset({"node_executions", "tasks", "workflow_runs", "sessions", "subagents"})
NODE_TABLES = ("node_executions", "tasks", None)  # None: a query page
STATUSES = frozenset({"running", "completed", "failed", "cancelled", "abandoned", "pending"})
OUTCOMES = frozenset({"success", "failure", "unknown"})
MARKDOWN_COLUMNS = frozenset({"result_text", "last_assistant_message"})
TEXT_COLUMNS = frozenset(
    {
        "prompt",
        "current_prompt",
        "error_message",
        "outcome_reason",
        "reason",
        "node_name",
        "description",
    }
)
JSON_COLUMNS = frozenset({"files_modified", "findings_json"})
PATH_COLUMNS = frozenset(
    {"project", "transcript_path", "agent_transcript_path", "output_file", "file_path"}
)
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")
# Longer text folds to its first line on table and query pages (row pages unfold it).
LONG_CHARS = 160
LONG_LINES = 2


def badge(value: str) -> Markup:
    return Markup('<span class="ar-badge ar-{0}">{0}</span>').format(value)


def time_element(value: str) -> Markup:
    return Markup('<time class="ar-time" datetime="{0}">{0}</time>').format(value)


def duration_element(ms) -> Markup:
    return Markup('<span class="ar-duration" title="{} ms">{}</span>').format(
        formatting.thousands(ms), formatting.duration(ms)
    )


def foldable(body: Markup, text: str, kind: str) -> Markup:
    """``body`` inside a <details> whose summary is the first line of ``text``."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = first.lstrip("#>*-| ").strip() or first
    if len(first) > 110:
        first = first[:110].rstrip() + "…"
    lines = len(text.strip("\n").splitlines())
    size = f"{lines} lines" if lines > 1 else f"{len(text):,} chars"
    return Markup(
        '<details class="ar-long ar-{kind}"><summary>{first} <span class="ar-muted">'
        "({size})</span></summary>{body}</details>"
    ).format(kind=kind, first=first, size=size, body=body)


def is_long(text: str) -> bool:
    return len(text) > LONG_CHARS or text.count("\n") >= LONG_LINES


def text_cell(text: str) -> Markup:
    """Recorded text, escaped: long text folded; shorter text clamped to two lines on table
    and query pages (the stylesheet shows it whole on row pages and on hover)."""
    if not is_long(text):
        return Markup('<span class="ar-clamp" title="{0}">{0}</span>').format(text)
    return foldable(Markup('<div class="ar-text">{}</div>').format(text), text, "text")


def markdown_cell(text: str) -> Markup:
    """A result as Markdown: folded when long, else clamped to two lines (as text_cell)."""
    if is_long(text):
        body = Markup('<div class="ar-md">{}</div>').format(markdown.render(text))
        return foldable(body, text, "md")
    return Markup('<div class="ar-md ar-clamp">{}</div>').format(markdown.render(text))


def snippet_cell(text: str) -> Markup:
    """A search snippet: escaped, then only the <mark> and </mark> markers kept as tags."""
    html = str(escape(text)).replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")
    return Markup('<span class="ar-snippet">{}</span>').format(Markup(html))


def json_cell(value: str) -> Markup | None:
    """A JSON object or array: one line on table pages, pretty-printed when unfolded."""
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return None
    if not isinstance(parsed, (dict, list)) or not parsed:
        return None
    pretty = json.dumps(parsed, indent=2, ensure_ascii=False)
    body = Markup('<pre class="ar-json">{}</pre>').format(pretty)
    size = f"{len(parsed)} keys" if isinstance(parsed, dict) else f"{len(parsed)} items"
    line = json.dumps(parsed, ensure_ascii=False)
    if len(line) > 110:
        line = line[:110] + "…"
    return Markup(
        '<details class="ar-long ar-json-details"><summary><code>{}</code>'
        ' <span class="ar-muted">({})</span></summary>{}</details>'
    ).format(line, size, body)


def _row_value(row, key):
    try:
        value = row[key]
    except (KeyError, IndexError, TypeError):
        return None
    return value.get("value") if isinstance(value, dict) else value


def id_links(datasette, database: str, column: str, table: str | None, value, label, row):
    """Links between nodes, runs and sessions, or None when the cell is not an id."""
    if column == "id" and table == "tasks":
        return Markup('<a href="{}">{}</a>').format(
            links.row(datasette, database, "node_executions", value), value
        )
    if column == "run_id" and table in NODE_TABLES:
        timeline = links.run(datasette, database, value)
        row_link = Markup('<a href="{}">{}</a>').format(
            links.row(datasette, database, "workflow_runs", value),
            _short(label) if label not in (None, value) else value,
        )
        return Markup('{} <a class="ar-link" href="{}">timeline</a>').format(row_link, timeline)
    if column == "node_execution_id" and table is None:
        return Markup('<a href="{}">{}</a>').format(
            links.row(datasette, database, "node_executions", value), value
        )
    if column == "session_id" and table in (*NODE_TABLES, "subagents"):
        return Markup('<a href="{}">{}</a>').format(
            links.row(datasette, database, "sessions", value), label or value
        )
    if column == "id" and table == "workflow_runs":
        timeline = links.run(datasette, database, value)
        return Markup('{} <a class="ar-link" href="{}">timeline</a>').format(value, timeline)
    if column == "id" and table == "sessions":
        nodes = links.table(datasette, database, "node_executions", session_id=value)
        runs = links.table(datasette, database, "workflow_runs", session_id=value)
        return Markup(
            '{} <a class="ar-link" href="{}">runs</a> <a class="ar-link" href="{}">tasks</a>'
        ).format(value, runs, nodes)
    if column == "workflow_name" and table == "workflow_runs":
        run_id = _row_value(row, "id")
        body = text_cell(str(value))
        if run_id is None:
            return body
        timeline = links.run(datasette, database, run_id)
        return Markup('{} <a class="ar-link" href="{}">timeline</a>').format(body, timeline)
    return None


def path_cell(path: str) -> Markup:
    """A file or directory by its last part on table and query pages (the whole path on
    hover); row pages show the whole path (the stylesheet picks which)."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return Markup(
        '<span class="ar-path" title="{0}"><span class="ar-path-short">…/{1}</span>'
        '<span class="ar-path-full">{0}</span></span>'
    ).format(path, name)


def _short(label, limit: int = 60) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= limit else label[: limit - 1] + "…"


def render(row, value, column: str, table: str | None, database: str, datasette):
    """The render_cell hook's answer: Markup, or None to leave the cell to Datasette."""
    if table is not None and table not in TABLES:
        return None
    if not schema.is_agent_runs(datasette, database):
        return None
    label = None
    if isinstance(value, dict) and "value" in value:  # an expanded foreign key
        value, label = value["value"], value.get("label")
    if value is None or value == "":
        return None
    linked = id_links(datasette, database, column, table, value, label, row)
    if linked is not None:
        return linked
    if isinstance(value, str):
        if column in ("status", "run_status", "node_status") and value in STATUSES:
            return badge(value)
        if column == "outcome" and value in OUTCOMES:
            return badge(value)
        if column.endswith("_at") and ISO_TIME.match(value):
            return time_element(value)
        if column == "snippet" and table is None:
            return snippet_cell(value)
        if column in MARKDOWN_COLUMNS:
            return markdown_cell(value)
        if column.endswith("_json") or column in JSON_COLUMNS:
            return json_cell(value)
        if column in TEXT_COLUMNS:
            return text_cell(value)
        if column in PATH_COLUMNS and "/" in value.rstrip("/"):
            return path_cell(value)
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if column == "duration_ms" or column.endswith("_ms"):
            return duration_element(value)
        if "cost" in column and "pct" not in column:
            return Markup('<span class="ar-num">{}</span>').format(formatting.usd(value))
        if "tokens" in column or column == "token_count":
            return Markup('<span class="ar-num">{}</span>').format(formatting.thousands(value))
    return None
