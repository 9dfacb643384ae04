"""What a subagent really spent, read from its own transcript.

``read(path)`` turns ``agent-<id>.jsonl`` (and its ``.meta.json``) into a usage
record: a compact, JSON-serialisable dict that holds everything derivation needs,
so the record can be kept as an event and the node re-derived without the file:

    {"v": 1, "path": ..., "complete": bool, "bytes": int, "meta": {...},
     "responses": [{"model", "input", "output", "cache_read", "cache_write",
                    "cache_write_1h", ["placeholder"]}, ...],   # one per API response
     "tools": [{"id", "name", "error", "file", "access", "at", "done"}, ...]}

``columns(record, prices)`` gives the node's columns from a record alone.

An API response that Claude Code wrote as several lines (one per content block)
shares ``message.id`` and ``requestId``: it is counted once, with the largest
count each token kind reached on its lines. Claude Code's ``<synthetic>``
messages (errors it wrote itself) made no API call and are not counted. Before 2.1.97
Claude Code wrote a response's usage as its stream started, output count included, and
never updated it: such a response is marked ``placeholder``; the Task's tool_response
gives the last one's true output (``with_final_output``), and the node's ``cost_note``
says how many are lower bounds.

A transcript is complete when every tool call in it has its result and the last
message is the assistant's text (or a final ``stop_reason``); a record read
before that says ``complete: false`` and the node is read again later.
Standard library only.
"""

from __future__ import annotations

import json
import os
import stat
from contextlib import AbstractContextManager

from recorder.derive import lending
from recorder.derive.prices import PriceTable, response_cost
from recorder.hook.events import FILE_TOOLS

VERSION = 1
# Claude Code before 2.1.97 wrote every line of a response with the usage of its stream's
# start, never updated: a placeholder output count of a token or a few.
FINAL_USAGE_SINCE = (2, 1, 97)
FINAL_STOPS = frozenset({"end_turn", "stop_sequence", "max_tokens", "refusal"})
SYNTHETIC = "<synthetic>"
# Raw-line tokens: inside a JSON string quotes are escaped, so these can only be keys
# and values of the line's own structure (see recorder/transcripts.py).
_USER, _ASSISTANT, _ERROR = b'"type":"user"', b'"type":"assistant"', b'"is_error":true'
_RESULT_ID, _UUID, _STAMP = b'"tool_use_id":"', b'"uuid":"', b'","timestamp":"'
_TOOL_USE_RESULT, _MESSAGE = b'"toolUseResult"', b'"message"'
_HEAD = 600  # Claude Code writes a line's "type" before its "message"
_THINKING_ONLY = b'"content":[{"type":"thinking"'
_TOOL_USE_BLOCK, _TEXT_BLOCK = b'"type":"tool_use"', b'"type":"text"'
_MESSAGE_ID = b'"message":{"model":"'
_ID = b'","id":"'
BUFFER = 1 << 20  # bytes read at a time
TOKEN_KINDS = ("input", "output", "cache_read", "cache_write", "cache_write_1h")
_USAGE_FIELDS = (
    ("input", "input_tokens"),
    ("output", "output_tokens"),
    ("cache_read", "cache_read_input_tokens"),
    ("cache_write", "cache_creation_input_tokens"),
)


# A subagents folder's transcript of a compaction of the main agent's context, not of a
# subagent: ``agent-acompact-<id>.jsonl``.
COMPACTION_PREFIX = "agent-acompact-"


def subagents_folder(session_transcript: str) -> str:
    """``<session transcript without .jsonl>/subagents``: where Claude Code writes the
    session's subagent (and compaction) transcripts."""
    return os.path.join(os.path.splitext(session_transcript)[0], "subagents")


def agent_transcript(
    agent_id: str | None, session_id: str | None, transcript_path: str | None
) -> str | None:
    """``<dir of transcript_path>/<session_id>/subagents/agent-<agent_id>.jsonl``."""
    if not agent_id or not session_id or not transcript_path:
        return None
    if any(sep in agent_id for sep in ("/", "\\", "..")):
        return None
    directory = os.path.dirname(transcript_path)
    return os.path.join(directory, session_id, "subagents", f"agent-{agent_id}.jsonl")


def agent_of_call(
    tool_use_id: str | None, session_id: str | None, transcript_path: str | None
) -> str | None:
    """The agent transcript in ``<dir of transcript_path>/<session_id>/subagents/`` whose
    ``.meta.json`` names the call ``tool_use_id``: the subagent of a call whose result did
    not name it (one that failed or was interrupted). None when there is none."""
    if not tool_use_id or not session_id or not transcript_path:
        return None
    if any(part in session_id for part in ("/", "\\", "..")):
        return None  # a session id is a name, never a way out of the folder
    folder = os.path.join(os.path.dirname(transcript_path), session_id, "subagents")
    try:
        names = sorted(os.listdir(folder))
    except (OSError, ValueError):
        return None
    for name in names:
        if name.startswith("agent-") and name.endswith(".meta.json"):
            path = os.path.join(folder, name[: -len(".meta.json")] + ".jsonl")
            if read_meta(path).get("toolUseId") == tool_use_id:
                return path
    return None


def agent_id_of(path: str | None) -> str | None:
    """The agent id in an agent transcript's name (``agent-<id>.jsonl``)."""
    name = os.path.basename(path or "")
    if name.startswith("agent-") and name.endswith(".jsonl") and len(name) > 12:
        return name[len("agent-") : -len(".jsonl")]
    return None


_ERAS: dict[str, bool] = {}


def placeholder_output(version: object) -> bool:
    """Whether a line written by Claude Code ``version`` holds a placeholder output count."""
    if not isinstance(version, str):
        return False
    found = _ERAS.get(version)
    if found is None:
        try:
            found = tuple(int(part) for part in version.split(".")[:3]) < FINAL_USAGE_SINCE
        except ValueError:
            found = False  # not a version we know: its counts are taken as they are
        _ERAS[version] = found
    return found


PRICE_FACTORS = ("geo", "speed", "web_searches")  # a response's price depends on them too


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _tokens(usage: dict) -> dict:
    """Token counts by kind of one API request's ``usage``."""
    found = {kind: _count(usage.get(field)) for kind, field in _USAGE_FIELDS}
    split = usage.get("cache_creation")
    one_hour = _count(split.get("ephemeral_1h_input_tokens")) if isinstance(split, dict) else 0
    found["cache_write_1h"] = min(one_hour, found["cache_write"])
    return found


def _response_usage(message: dict) -> dict:
    """The response's token counts by kind, and what else its price depends on when present:
    US-only inference (``geo``), fast mode (``speed``) and web searches the server ran
    (``web_searches``). A reply whose stream was paused and resumed carries the earlier
    requests' usage in ``message.pausedResponses``: they are part of its tokens."""
    usage = message.get("usage") if isinstance(message.get("usage"), dict) else {}
    found = _tokens(usage)
    paused = message.get("pausedResponses")
    for earlier in paused if isinstance(paused, list) else ():
        if isinstance(earlier, dict) and isinstance(earlier.get("usage"), dict):
            for kind, count in _tokens(earlier["usage"]).items():
                found[kind] += count
    if usage.get("inference_geo") == "us":
        found["geo"] = "us"
    if usage.get("speed") == "fast":
        found["speed"] = "fast"
    server = usage.get("server_tool_use")
    searches = _count(server.get("web_search_requests")) if isinstance(server, dict) else 0
    if searches:
        found["web_searches"] = searches
    return found


class _Reading:
    """The state of reading one transcript."""

    def __init__(self) -> None:
        self.responses: dict[str, dict] = {}
        self.tools: dict[str, dict] = {}
        self.open_calls: set[str] = set()
        self.last_kind: str | None = None
        self.last_final = False
        self.held: bytes | None = None

    def line(self, line: dict, sidechain_only: bool | None) -> None:
        kind = line.get("type")
        if sidechain_only is not None and (line.get("isSidechain") is True) != sidechain_only:
            return
        message = line.get("message")
        if not isinstance(message, dict):
            return
        content = message.get("content")
        if kind == "assistant":
            self.assistant(line, message, content)
        elif kind == "user":
            results = [b for b in content if _is_result(b)] if isinstance(content, list) else []
            if results:
                self.results(line, results)
            else:
                self.last_kind, self.last_final = "user", False  # a prompt or a message

    def assistant(self, line: dict, message: dict, content: object) -> None:
        model = message.get("model")
        if model == SYNTHETIC or line.get("isUnmetered") is True:
            return  # written by Claude Code itself: no API call (nor a billed one)
        has_text = False
        for block in content if isinstance(content, list) else ():
            if not isinstance(block, dict):
                continue
            if block.get("type") == "tool_use" and isinstance(block.get("id"), str):
                self.call(block, line.get("timestamp"))
            elif block.get("type") == "text":
                has_text = True
        self.last_kind = "assistant"
        self.last_final = not self.open_calls and (
            has_text or message.get("stop_reason") in FINAL_STOPS
        )
        key = message.get("id") or line.get("requestId")
        if isinstance(key, str) and isinstance(message.get("usage"), dict):
            streamed = message.get("stop_reason") is None  # written before the response ended
            self.count(key, message, model, streamed and placeholder_output(line.get("version")))

    def count(self, key: str, message: dict, model: object, placeholder: bool) -> None:
        """One API response, however many lines it was written as."""
        found = _response_usage(message)
        response = self.responses.get(key)
        if response is None:
            response = dict(found, model=model if isinstance(model, str) else None)
            if placeholder:
                response["placeholder"] = True  # its output count is the stream's start
            self.responses[key] = response
        else:
            for kind in TOKEN_KINDS:
                response[kind] = max(response[kind], found[kind])
            response.update((k, v) for k, v in found.items() if k in PRICE_FACTORS)
            if not placeholder:
                response.pop("placeholder", None)  # a line written with the final count

    def call(self, block: dict, at: object) -> None:
        name = block.get("name") if isinstance(block.get("name"), str) else "?"
        tool = {"id": block["id"], "name": name, "error": False}
        access = FILE_TOOLS.get(name)
        tool_input = block.get("input") if isinstance(block.get("input"), dict) else {}
        path = tool_input.get("file_path") or tool_input.get("notebook_path")
        if access and isinstance(path, str) and path:
            tool.update(file=path, access=access, at=at if isinstance(at, str) else None)
        if block["id"] not in self.tools:
            self.tools[block["id"]] = tool
            self.open_calls.add(block["id"])

    def raw_line(self, raw: bytes, sidechain_only: bool | None) -> None:
        """One line of the file, parsed only when its bytes do not say enough.

        A thinking-only line is held back: when the next line continues the same
        response, that line's usage covers it (the counts only grow as Claude Code
        streams) and it holds no tool call or text, so it is never parsed.
        """
        head = raw[:_HEAD]
        user = _USER in head and _ASSISTANT not in head
        assistant = not user and _ASSISTANT in head and _USER not in head
        held, self.held = self.held, None
        if held is not None and not (assistant and _message_id(raw) == _message_id(held)):
            self.parse(held, sidechain_only)
        if not user and not assistant:  # the type is not where Claude Code writes it
            if _MESSAGE not in raw:
                return
            user = _USER in raw and _ASSISTANT not in raw
        if user and (sidechain_only is False or self.user_bytes(raw)):
            return  # handled from its bytes (the main agent's user lines hold no usage)
        if (
            assistant
            and _THINKING_ONLY in raw
            and _TOOL_USE_BLOCK not in raw
            and _TEXT_BLOCK not in raw
            and _message_id(raw)
        ):
            self.held = raw
            return
        self.parse(raw, sidechain_only)

    def finish(self, sidechain_only: bool | None) -> None:
        """The end of the file: a line still held back is parsed."""
        held, self.held = self.held, None
        if held is not None:
            self.parse(held, sidechain_only)

    def parse(self, raw: bytes, sidechain_only: bool | None) -> None:
        try:
            line = json.loads(raw)
        except ValueError:
            return
        if isinstance(line, dict):
            try:  # noqa: SIM105 (contextlib: one more import on the hook path)
                self.line(line, sidechain_only)
            except (TypeError, AttributeError):
                pass  # a line of the wrong shape

    def user_bytes(self, raw: bytes) -> bool:
        """A user line handled from its bytes (most are tool results, often large).

        False when it must be parsed: an error result, or a file tool's result whose
        time is not where Claude Code writes it.
        """
        end = raw.find(_TOOL_USE_RESULT)  # the results are in the message, before it
        end = len(raw) if end < 0 else end
        if raw.find(_ERROR, 0, end) >= 0:
            return False
        tools = []
        at = raw.find(_RESULT_ID, 0, end)
        while at >= 0:
            start = at + len(_RESULT_ID)
            stop = raw.find(b'"', start, end)
            if stop < 0:
                return False
            tools.append(self.tools.get(raw[start:stop].decode("utf-8", "replace")))
            at = raw.find(_RESULT_ID, stop, end)
        if not tools:
            self.last_kind, self.last_final = "user", False
            return True
        done = None
        if any(tool is not None and "file" in tool for tool in tools):
            at = raw.find(_STAMP, raw.find(_UUID, 0, end))
            stop = raw.find(b'"', at + len(_STAMP)) if at >= 0 else -1
            if stop < 0:
                return False
            done = raw[at + len(_STAMP) : stop].decode("utf-8", "replace")
        for tool in tools:
            if tool is not None:
                self.open_calls.discard(tool["id"])
                if "file" in tool:
                    tool["done"] = done
        return True

    def results(self, line: dict, blocks: list) -> None:
        for block in blocks:
            tool = self.tools.get(block.get("tool_use_id"))
            if tool is None:
                continue
            self.open_calls.discard(tool["id"])
            tool["error"] = block.get("is_error") is True
            if "file" in tool and isinstance(line.get("timestamp"), str):
                tool["done"] = line["timestamp"]


# Records read ahead by other processes (backfill's workers):
# (path, sidechain_only) -> (the file's size and mtime before it was read, the record).
_AHEAD = lending.Lent()


def signature(path: str) -> tuple[int, int] | None:
    """The file's size and modification time (ns); None when it cannot be stat'ed."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return found.st_size, found.st_mtime_ns


def read_signed(path: str, sidechain_only: bool | None = None) -> tuple:
    """(the file's :func:`signature` before reading, :func:`read`'s record): what another
    process reads ahead and :func:`lent` lends to ``read``."""
    return signature(path), read(path, sidechain_only)


def lent(records: dict[tuple[str, bool | None], tuple]) -> AbstractContextManager[None]:
    """Within the block, :func:`read` answers ``(path, sidechain_only)`` from ``records``
    (of :func:`read_signed`; the dictionary may grow meanwhile), once, while the file's
    size and modification time are still those it was read at."""
    return _AHEAD.within(records)


def read(path: str, sidechain_only: bool | None = None) -> dict | None:
    """The usage record of the transcript at ``path``; None when it cannot be read.

    ``sidechain_only=False`` reads only the main agent's lines of a session
    transcript (older Claude Code also wrote subagents' lines there, as sidechain).
    """
    ahead = _AHEAD.pop((path, sidechain_only))
    if ahead is not None and ahead[0] is not None and ahead[0] == signature(path):
        return ahead[1]
    reading = _Reading()
    size, rest = 0, b""
    try:
        if not path.endswith(".jsonl") or not stat.S_ISREG(os.stat(path).st_mode):
            return None  # only a transcript file (never a FIFO or a device)
        # Line by line through a large buffer: long lines cost one copy each (the default
        # buffer reads them in small pieces), and no block is allocated and split again.
        with open(path, "rb", buffering=BUFFER) as f:
            line = reading.raw_line
            for raw in f:  # each with its newline, which is JSON white space
                size += len(raw)
                line(raw, sidechain_only)
            if size and raw[-1:] != b"\n":
                rest = raw  # a last line still being written
        reading.finish(sidechain_only)
    except (OSError, ValueError):  # ValueError: a path with a NUL in it
        return None
    return {
        "v": VERSION,
        "path": path,
        "bytes": size,
        "complete": bool(size and not rest and reading.last_final),
        "meta": read_meta(path),
        "responses": list(reading.responses.values()),
        "tools": list(reading.tools.values()),
    }


def _message_id(raw: bytes) -> bytes | None:
    """The response id of an assistant line written in Claude Code's key order, else None."""
    at = raw.find(_MESSAGE_ID)
    if at < 0:
        return None
    at = raw.find(b'"', at + len(_MESSAGE_ID))  # the end of the model id
    if at < 0 or not raw.startswith(_ID, at):
        return None
    stop = raw.find(b'"', at + len(_ID))
    return raw[at + len(_ID) : stop] if stop > 0 else None


def _is_result(block: object) -> bool:
    return isinstance(block, dict) and block.get("type") == "tool_result"


def read_meta(path: str) -> dict:
    """``agentType`` and ``toolUseId`` from the transcript's ``.meta.json`` sidecar."""
    meta_path = path[: -len(".jsonl")] + ".meta.json" if path.endswith(".jsonl") else None
    if meta_path is None:
        return {}
    try:
        if not stat.S_ISREG(os.stat(meta_path).st_mode):
            return {}
        with open(meta_path, "rb") as f:
            meta = json.loads(f.read(1 << 20))
    except (OSError, ValueError):
        return {}
    if not isinstance(meta, dict):
        return {}
    return {k: meta[k] for k in ("agentType", "toolUseId") if isinstance(meta.get(k), str)}


def columns(record: dict, prices: PriceTable) -> dict:
    """The node's usage columns from a record alone (same record, same columns)."""
    responses = record.get("responses") or []
    sums = {kind: sum(r.get(kind, 0) for r in responses) for kind in TOKEN_KINDS}
    models = [r["model"] for r in responses if r.get("model")]
    cost, note = price(responses, prices)
    placeholders = sum(1 for r in responses if r.get("placeholder"))
    if placeholders and note is None:
        note = (
            f"output tokens of {placeholders} of {len(responses)} API responses are lower "
            "bounds (Claude Code before 2.1.97 wrote only the start of each one's count)"
        )
    return {
        "input_tokens": sums["input"],
        "output_tokens": sums["output"],
        "cache_read_tokens": sums["cache_read"],
        "cache_creation_tokens": sums["cache_write"],
        "token_count": sums["input"] + sums["output"] + sums["cache_read"] + sums["cache_write"],
        "api_calls": len(responses),
        "model": models[-1] if models else None,
        "cost_usd": cost,
        "cost_note": note,
        "usage_source": "transcript",
        "usage_complete": 1 if record.get("complete") else 0,
    }


def with_final_output(record: dict, tool_response: str | None) -> dict:
    """The record with its last response's output count from the Task's ``tool_response``
    (its JSON: ``usage`` is that response's), where the transcript holds a placeholder.

    The response is the one with the same input and cache counts; the other placeholders
    stay (their counts were never written anywhere).
    """
    try:
        details = json.loads(tool_response) if tool_response else None
    except ValueError:
        return record
    final = details.get("usage") if isinstance(details, dict) else None
    if not isinstance(final, dict):
        return record
    output = _count(final.get("output_tokens"))
    same = (
        _count(final.get("input_tokens")),
        _count(final.get("cache_read_input_tokens")),
        _count(final.get("cache_creation_input_tokens")),
    )
    responses = record.get("responses") or []
    for i in range(len(responses) - 1, -1, -1):
        found = responses[i]
        counts = (found.get("input"), found.get("cache_read"), found.get("cache_write"))
        if found.get("placeholder") and counts == same and found.get("output", 0) < output:
            fixed = {k: v for k, v in found.items() if k != "placeholder"}
            fixed["output"] = output
            return dict(record, responses=[*responses[:i], fixed, *responses[i + 1 :]])
    return record


def price(responses: list[dict], prices: PriceTable) -> tuple[float | None, str | None]:
    """The USD cost of the responses; (None, why) when any of them has no price."""
    total = 0.0
    for response in responses:
        entry = prices.find(response.get("model"))
        if entry is None:
            return None, f"no price for model {response.get('model') or '(unknown)'}"
        cost, why = response_cost(entry, response)
        if cost is None:
            return None, why
        total += cost
    return round(total, 6), None


def tool_counts(record: dict) -> list[tuple[str, int, int]]:
    """(tool name, calls, errors) of the subagent's own tool calls, by name."""
    counts: dict[str, list[int]] = {}
    for tool in record.get("tools") or []:
        pair = counts.setdefault(tool["name"], [0, 0])
        pair[0] += 1
        pair[1] += 1 if tool.get("error") else 0
    return [(name, calls, errors) for name, (calls, errors) in sorted(counts.items())]
