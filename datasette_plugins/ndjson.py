"""The ``.ndjson`` output renderer: newline-delimited JSON for any table or query page.

``/index/node_executions.ndjson``, ``/index/failed-tasks-this-week.ndjson`` or
``/db/any_table.ndjson?status=failed`` give one JSON object per row, encoded exactly
as ``agent-runs export --format ndjson`` encodes it (recorder.sinks.export.json_object).
Like Datasette's ``.json`` it is one page of rows (``?_size=max`` for the largest);
when there is a next page its URL is in the ``Link: <...>; rel="next"`` header.
"""

from __future__ import annotations

import json

from datasette.utils.asgi import Response

from recorder.sinks.export import json_object

CONTENT_TYPE = "application/x-ndjson; charset=utf-8"


def _plain(value: object) -> object:
    """A cell as stored: Datasette's expanded foreign keys ({value, label}) give the value."""
    if isinstance(value, dict) and "value" in value and "label" in value:
        return value["value"]
    return value


def _values(columns: list[str], row: object) -> list[object]:
    if isinstance(row, dict):
        return [_plain(row.get(c)) for c in columns]
    return [_plain(v) for v in row]


def render(datasette, columns, rows, request, data):
    """One JSON object per row and line; a page with an error gives one {"error": ...}."""
    error = (data or {}).get("error")
    if error:
        body = json.dumps({"ok": False, "error": str(error)}) + "\n"
        return Response(body, status=400, content_type=CONTENT_TYPE)
    columns = list(columns or [])
    body = "".join(json_object(columns, _values(columns, row)) + "\n" for row in rows or [])
    headers = {}
    next_url = (data or {}).get("next_url")
    if next_url:
        headers["Link"] = f'<{next_url}>; rel="next"'
    return Response(body, status=200, content_type=CONTENT_TYPE, headers=headers)


RENDERER = {"extension": "ndjson", "render": render, "can_render": lambda: True}
