"""Turn one Claude Code hook payload into a flat, typed event.

Claude Code's payloads vary by version (``Task`` became ``Agent``; fields come
and go), and the hook must survive junk: every field is read defensively,
wrong types become None (or text), unknown fields are ignored.

This is the payload format (``trim`` and ``normalise``). It lives in ``hook/``, not in
``derive/``, because the hook validates every event with ``normalise`` before keeping
it (a rejected one becomes a dead letter); derivation normalises the kept event again.
"""

import json

from recorder.hook import clock
from recorder.hook.numbers import MAX_DURATION_MS, integer

SUBAGENT_TOOLS = frozenset({"Task", "Agent"})
# File tools recorded when a subagent calls them (``install-hooks --files``): name -> access.
FILE_TOOLS = {
    "Read": "read",
    "Edit": "write",
    "Write": "write",
    "MultiEdit": "write",
    "NotebookEdit": "write",
}
FILE_EVENTS = frozenset({"PreToolUse", "PostToolUse"})

EVENTS = frozenset(
    {
        "SessionStart",
        "SessionEnd",
        "UserPromptSubmit",
        "PreToolUse",
        "PostToolUse",
        "PostToolUseFailure",
        "PermissionDenied",
        "SubagentStart",
        "SubagentStop",
        "Stop",
        "StopFailure",
    }
)
TOOL_EVENTS = frozenset({"PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionDenied"})
# tool_response statuses of an Agent call that only launched the agent (it runs on).
LAUNCHED = frozenset({"async_launched", "remote_launched", "teammate_spawned"})

# Where the recorder keeps its own metadata inside a payload (receipt time).
META = "_agent_runs"
# The kept event of a subagent transcript read in derivation (recorder.derive.node_usage):
# its usage record travels in META, which the hook removes from what Claude Code sends, so
# only the recorder itself can keep one.
TRANSCRIPT_USAGE = "TranscriptUsage"


class RejectedEvent(ValueError):
    """A payload the normaliser cannot make an event of (kept as a dead letter)."""


class NotOurs(Exception):
    """An event agent-runs does not record (another tool, another hook event)."""


def text(value: object) -> str | None:
    """A string field: strings as they are, scalars as text, structures as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return str(value)
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return str(value)


def identifier(value: object) -> str | None:
    """An id field: non-empty text or None."""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = str(value).strip()
        return value or None
    return None


def duration(value: object) -> int | None:
    """A duration in milliseconds within the sane range, or None."""
    return integer(value, MAX_DURATION_MS)


def flag(value: object) -> bool:
    """A boolean field: only real true values count."""
    return value is True or (isinstance(value, str) and value.lower() == "true") or value == 1


def mapping(value: object) -> dict:
    """A dict field, or an empty dict."""
    return value if isinstance(value, dict) else {}


def result_text(response: object) -> str | None:
    """The text a subagent returned, from any shape of ``tool_response``.

    A string, a list of text blocks, or an object whose ``content`` is either.
    """
    if isinstance(response, dict):
        response = response.get("content", response.get("result"))
    if isinstance(response, str):
        return response
    if isinstance(response, list):
        parts = []
        for block in response:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and isinstance(block.get("text"), str):
                parts.append(block["text"])
        return "\n".join(parts) if parts else None
    return None


def response_metadata(response: object) -> str | None:
    """``tool_response`` as JSON, without the result text (kept in result_text)."""
    if isinstance(response, dict):
        return text({k: v for k, v in response.items() if k != "content"})
    return None


def normalise(payload: object, received_at: str) -> dict | None:
    """The flat event for ``payload``, or None for an event agent-runs does not record.

    Raises RejectedEvent for a payload that is not a well-formed hook event.
    Missing fields are None-valued keys, so the store can read every key.
    """
    if not isinstance(payload, dict):
        raise RejectedEvent(f"payload is a {type(payload).__name__}, not a JSON object")
    name = payload.get("hook_event_name")
    if not isinstance(name, str) or not name:
        raise RejectedEvent("payload has no hook_event_name")
    if name == TRANSCRIPT_USAGE:
        return transcript_usage(payload, received_at)
    if name not in EVENTS:
        return None
    file_touch = is_file_touch(payload)
    if name in TOOL_EVENTS and payload.get("tool_name") not in SUBAGENT_TOOLS and not file_touch:
        return None
    session_id = identifier(payload.get("session_id"))
    if session_id is None:
        raise RejectedEvent(f"{name} without a session_id")
    meta = mapping(payload.get(META))
    event = {
        "event": name,
        "received_at": clock.sane(text(meta.get("received_at"))) or received_at,
        "session_id": session_id,
        "transcript_path": text(payload.get("transcript_path")),
        "cwd": text(payload.get("cwd")),
        "permission_mode": text(payload.get("permission_mode")),
        "prompt_id": identifier(payload.get("prompt_id")),
        "agent_id": identifier(payload.get("agent_id")),
        "agent_type": text(payload.get("agent_type")),
        "source": text(payload.get("source")),
        "reason": text(payload.get("reason")),
        "model": text(payload.get("model")),
        "prompt": text(payload.get("prompt")),
        "last_assistant_message": text(payload.get("last_assistant_message")),
        "agent_transcript_path": text(payload.get("agent_transcript_path")),
        "recorded_by": text(meta.get("recorded_by")),
        "agent_definition": mapping(meta.get("agent_definition")) or None,
        # where a completion's token counts come from, when not the tool_response itself
        "usage_source": "notification" if meta.get("usage_source") == "notification" else None,
        "error": None if payload.get("error") is None else text(payload.get("error")),
        "error_details": text(payload.get("error_details")),
        "background_tasks": task_ids(payload.get("background_tasks")),
        "notifications": notifications(payload.get("prompt")) if name == "UserPromptSubmit" else [],
    }
    if file_touch:
        event.update(file_fields(payload))
    elif name in TOOL_EVENTS:
        event.update(tool_fields(payload))
    return event


def transcript_usage(payload: dict, received_at: str) -> dict | None:
    """The event of a kept transcript read: its usage record, and its node's tool_use_id
    (or, for the main agent's own spend, its session)."""
    meta = mapping(payload.get(META))
    record, tool_use_id = meta.get("usage"), identifier(payload.get("tool_use_id"))
    session_id, main = identifier(payload.get("session_id")), meta.get("main") is True
    if not isinstance(record, dict) or not isinstance(record.get("responses"), list):
        return None
    if (session_id if main else tool_use_id) is None:
        return None
    return {
        "event": TRANSCRIPT_USAGE,
        "received_at": clock.sane(text(meta.get("received_at"))) or received_at,
        "session_id": session_id,
        "tool_use_id": tool_use_id,
        "agent_id": None,
        "usage_record": record,
        "usage_final": meta.get("final") is True,
        "usage_main": main,  # the main agent's own spend, from the session transcript
    }


def task_ids(value: object) -> list[str] | None:
    """The ids of Stop's / SubagentStop's ``background_tasks`` (None when not sent)."""
    if not isinstance(value, list):
        return None
    return [i for i in (identifier(mapping(task).get("id")) for task in value) if i]


def notifications(prompt: object) -> list[dict]:
    """The task notifications a UserPromptSubmit prompt carries (none for a person's)."""
    from recorder.hook import notification  # here: only a notification's prompt needs it

    return notification.parse(prompt) if notification.is_notification(prompt) else []


def is_file_touch(payload: dict) -> bool:
    """A subagent's file tool call (the main agent's own calls are not recorded)."""
    tool, name = payload.get("tool_name"), payload.get("hook_event_name")
    return (
        isinstance(tool, str)
        and tool in FILE_TOOLS
        and isinstance(name, str)
        and name in FILE_EVENTS
        and identifier(payload.get("agent_id")) is not None
    )


def trim(payload: dict) -> dict | None:
    """What of ``payload`` needs keeping: None for a tool call agent-runs does not record.

    Runs before redaction and the database, so the hook returns at once for every
    other tool; a file touch keeps only what is recorded (never the file's content).
    """
    tool = payload.get("tool_name")
    if not isinstance(tool, str) or tool in SUBAGENT_TOOLS:
        return payload  # not a tool call, or junk for the normaliser to judge
    if not is_file_touch(payload):
        return None
    tool_input = mapping(payload.get("tool_input"))
    kept = {k: v for k, v in payload.items() if k not in ("tool_input", "tool_response")}
    kept["tool_input"] = {
        k: tool_input[k] for k in ("file_path", "notebook_path") if k in tool_input
    }
    return kept


def tool_call(payload: dict) -> tuple[str, str, dict]:
    """A tool event's tool name, tool_use_id (required: the idempotency key) and input."""
    tool_name = payload["tool_name"]
    tool_use_id = identifier(payload.get("tool_use_id"))
    if tool_use_id is None:
        raise RejectedEvent(f"{tool_name} call without a tool_use_id")
    return tool_name, tool_use_id, mapping(payload.get("tool_input"))


def file_fields(payload: dict) -> dict:
    """The fields of a subagent's Read/Edit/Write/MultiEdit/NotebookEdit call."""
    tool_name, tool_use_id, tool_input = tool_call(payload)
    return {
        "event": "FileTouch",
        "phase": payload["hook_event_name"],
        "tool_use_id": tool_use_id,
        "tool_name": tool_name,
        "file_path": text(tool_input.get("file_path")) or text(tool_input.get("notebook_path")),
        "access": FILE_TOOLS[tool_name],
    }


def tool_fields(payload: dict) -> dict:
    """The fields of a Pre/PostToolUse(Failure) event for the subagent tool."""
    tool_name, tool_use_id, tool_input = tool_call(payload)
    response = payload.get("tool_response")
    details = mapping(response)
    usage = mapping(details.get("usage"))
    stats = mapping(details.get("toolStats"))
    status = text(details.get("status"))
    return {
        "tool_use_id": tool_use_id,
        "tool_name": tool_name,
        "description": text(tool_input.get("description")),
        "task_prompt": text(tool_input.get("prompt")),
        "subagent_type": text(tool_input.get("subagent_type")) or text(details.get("agentType")),
        "task_model": text(details.get("resolvedModel")) or text(tool_input.get("model")),
        "run_in_background": flag(tool_input.get("run_in_background")),
        "response": response,
        "response_json": response_metadata(response),
        "result_text": result_text(response),
        "response_status": status,
        "is_async": flag(details.get("isAsync")) or status in LAUNCHED,
        "launched_agent_id": identifier(details.get("agentId"))
        or identifier(details.get("taskId")),
        "output_file": text(details.get("outputFile")),
        "duration_ms": duration(details.get("totalDurationMs"))
        or duration(payload.get("duration_ms")),
        "total_tokens": integer(details.get("totalTokens")),
        "input_tokens": integer(usage.get("input_tokens")),
        "output_tokens": integer(usage.get("output_tokens")),
        "cache_read_tokens": integer(usage.get("cache_read_input_tokens")),
        "cache_creation_tokens": integer(usage.get("cache_creation_input_tokens")),
        "tool_use_count": integer(details.get("totalToolUseCount")),
        "lines_added": integer(stats.get("linesAdded")),
        "lines_removed": integer(stats.get("linesRemoved")),
        "tool_stats": text(stats) if stats else None,
        "is_interrupt": flag(payload.get("is_interrupt")),
    }


def accepted(payload: dict) -> bool:
    """Whether a stamped payload is one agent-runs records (RejectedEvent for junk)."""
    return normalise(payload, payload[META]["received_at"]) is not None
