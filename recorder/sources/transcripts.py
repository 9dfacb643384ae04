"""Read Claude Code transcripts into the hook payloads that would have recorded them.

A transcript is JSONL: one line per message or event, each with ``type``,
``uuid``, ``parentUuid``, ``sessionId``, ``timestamp``, ``cwd``,
``isSidechain`` and, for messages, ``message.content`` blocks.  A subagent
execution is an assistant ``tool_use`` block named ``Task`` or ``Agent``; its
end is the user line carrying the matching ``tool_result`` block, whose
top-level ``toolUseResult`` is exactly the ``tool_response`` the PostToolUse
hook receives.  A background subagent's ``toolUseResult`` only acknowledges
the launch (``isAsync`` / ``status: "async_launched"``); its end is a later
``<task-notification>`` message, or the last assistant line of the agent's
own transcript (``<session>/subagents/agent-<agentId>.jsonl``).

``read_file`` turns one transcript into ``Unit``s: a user turn (its
UserPromptSubmit, the tool events of the executions in it, its Stop) or the
events between turns.  The payloads are stamped (redacted, with the time of
the transcript line as ``_agent_runs.received_at``) and are applied by
``recorder.sources.backfill``, which decides against the database which of them can
add anything.

Speed: most lines cannot matter (assistant text, other tools, their results),
so each raw line is first looked at with a few substring tests on the bytes
and only the lines that can matter are parsed.  The tests look for JSON string
tokens such as ``"Task"``: inside a JSON string a quote is always escaped, so
the token ``"Task"`` (with both quotes unescaped) can only be a whole string
``Task`` -- a tool name or some other value, never a fragment of text.  Lines
picked by mistake are parsed and then ignored, so the tests can only cost
time, never a missed execution.  ``"tool_use"`` is looked for before the tool
names: most lines (results, text, thinking) lack it, and are then scanned once.
"""

from __future__ import annotations

import json
import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime

from recorder.hook.events import META, SUBAGENT_TOOLS
from recorder.hook.keep import stamp
from recorder.hook.notification import parse as notifications
from recorder.timespan import iso_z

# Item kinds (what a payload does to its node; see backfill.keep for the rules).
PRE = "pre"  # PreToolUse
RESULT = "result"  # PostToolUse with the tool's result (a foreground subagent)
ACK = "ack"  # PostToolUse acknowledging a background launch
FAILURE = "failure"  # PostToolUseFailure (is_error result, interrupt) or PermissionDenied
STOP = "stop"  # SubagentStop (links the agent transcript; ends a background agent)
COMPLETION = "completion"  # a task notification: a background agent's final status and usage
ORPHAN = "orphan"  # a task notification for an execution not in this file

INTERRUPT_MARK = "[Request interrupted by user"
# Claude Code's answer to a call the user refused at the permission prompt (no hook fires).
REJECTED_MARK = "The user doesn't want to proceed with this tool use"
# Its answer to a call auto mode denied (the PermissionDenied hook fires), then the reason.
DENIED_MARKS = (
    "Permission for this action was denied by the Claude Code auto mode classifier. Reason: ",
    "Permission for this action has been denied. Reason: ",
)
DENIED_END = ". If you have other tasks"
# User text that is not a prompt typed by the user (UserPromptSubmit never saw it).
NOT_PROMPTS = (
    "<task-notification>",
    "<local-command-stdout>",
    "<local-command-stderr>",
    "<local-command-caveat>",
    "<system-reminder>",
    "<bash-stdout>",
    "<bash-stderr>",
    INTERRUPT_MARK,
)

_ERROR_OPEN, _ERROR_CLOSE = "<tool_use_error>", "</tool_use_error>"
_TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")

# Raw-line tests (bytes).
_TASK, _AGENT, _TOOL_USE = b'"Task"', b'"Agent"', b'"tool_use"'
_TOOL_USE_ID, _USER = b'"tool_use_id"', b'"user"'
_NOTIFICATION = b"<task-notification>"
_API_ERROR = b'"isApiErrorMessage":true'
_PROGRESS_EVERY = 1 << 20
_BUFFER = 1 << 20


def iso_utc(value: object) -> str | None:
    """A timestamp as UTC ISO 8601 with milliseconds and a Z, or None if it is not one."""
    if not isinstance(value, str):
        return None
    if len(value) == 24 and _TS.fullmatch(value):
        return value
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        return None
    return iso_z(moment)


class Counters:
    """What reading transcripts saw (the backfill report adds what it recorded)."""

    def __init__(self) -> None:
        self.files = 0
        self.unreadable_files = 0
        self.lines = 0
        self.skipped_lines = 0
        self.executions = 0
        self.before_since = 0


class Session:
    """One session seen in a file: what its SessionStart payload says, and whether it was sent."""

    __slots__ = ("session_id", "transcript_path", "cwd", "started_at", "model", "announced")

    def __init__(self, session_id: str, transcript_path: str, started_at: str) -> None:
        self.session_id = session_id
        self.transcript_path = transcript_path
        self.cwd = None
        self.started_at = started_at
        self.model = None
        self.announced = False

    def start_payload(self) -> dict:
        payload = {
            "session_id": self.session_id,
            "transcript_path": self.transcript_path,
            "cwd": self.cwd,
            "hook_event_name": "SessionStart",
        }
        if self.model:
            payload["model"] = self.model
        return stamp(payload, self.started_at)


class Execution:
    """A Task/Agent tool call seen in the file."""

    __slots__ = (
        "tool_use_id",
        "tool_name",
        "tool_input",
        "subagent_type",
        "session",
        "cwd",
        "prompt_id",
        "parent_agent",
        "started_at",
        "agent_id",
        "ack",
        "finished",
    )

    def __init__(self, tool_use_id: str, tool_name: str, tool_input: dict, session: Session):
        self.tool_use_id = tool_use_id
        self.tool_name = tool_name
        self.tool_input = tool_input
        self.subagent_type = tool_input.get("subagent_type")
        self.session = session
        self.cwd = None
        self.prompt_id = None
        self.parent_agent = None
        self.started_at = None
        self.agent_id = None
        self.ack = None  # the launch acknowledgement of a background agent
        self.finished = False


class Unit:
    """Payloads applied together: a turn (prompt ... Stop) or the events between turns.

    ``items`` are (kind, tool_use_id, payload, session, time) in transcript order,
    their payloads not stamped yet (``stamped(item)``: most are dropped when the
    database knows them already, and redaction is the costly part); ``prompt`` and
    ``stop`` are sent only when the unit records an execution the database does not
    know yet (see backfill.expand).
    """

    __slots__ = ("prompt", "items", "stop", "api_error", "last_at")

    def __init__(self, prompt: dict | None = None) -> None:
        self.prompt = prompt
        self.items: list[tuple] = []
        self.stop: dict | None = None
        self.api_error: tuple | None = None  # (error, details, time) that ended the turn
        self.last_at: str | None = None  # the last item of the turn itself (not a notification's)


class FileContext:
    """Where a transcript is and where its session's other files are."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        directory, name = os.path.split(self.path)
        if os.path.basename(directory) == "subagents":
            # <project>/<session>/subagents/agent-<id>.jsonl
            session_dir = os.path.dirname(directory)
            self.project_dir = os.path.dirname(session_dir)
            self.main_path = session_dir + ".jsonl"
        else:
            self.project_dir = directory
            self.main_path = None if name.startswith("agent-") else self.path

    def transcript_path(self, session_id: str) -> str:
        """The session's main transcript (the hook's ``transcript_path``)."""
        return self.main_path or os.path.join(self.project_dir, session_id + ".jsonl")

    def agent_transcript(self, session_id: str, agent_id: str | None) -> str | None:
        """The subagent's own transcript, if it is on disk."""
        if not agent_id or "/" in agent_id or os.sep in agent_id:
            return None
        name = f"agent-{agent_id}.jsonl"
        for candidate in (
            os.path.join(self.project_dir, session_id, "subagents", name),
            os.path.join(self.project_dir, name),
        ):
            if os.path.isfile(candidate):
                return candidate
        return None


def text_of(content: object) -> str | None:
    """The text of a message or tool_result content: a string, or its text blocks joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            block["text"]
            for block in content
            if isinstance(block, dict) and isinstance(block.get("text"), str)
        ]
        return "\n".join(parts) if parts else None
    return None


def agent_tail(path: str, window: int = 1 << 16) -> tuple[str, str] | None:
    """The last assistant text of a finished subagent transcript and its time.

    None when the transcript's last assistant line still asks for a tool (not
    finished) or cannot be read.  Reads the file backwards from its end.
    """
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            while True:
                start = max(0, size - window)
                f.seek(start)
                lines = f.read(size - start).split(b"\n")
                if start > 0:
                    lines = lines[1:]  # the first piece may be the end of a longer line
                for raw in reversed(lines):
                    found = _finished_line(raw)
                    if found is not None:
                        return found or None
                if start == 0:
                    return None
                window *= 4
    except OSError:
        return None


def _finished_line(raw: bytes) -> tuple[str, str] | tuple[()] | None:
    """For agent_tail: the (text, time) of a final assistant line, () for an unfinished one."""
    if b'"assistant"' not in raw:
        return None
    try:
        line = json.loads(raw)
        content = line["message"]["content"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(line, dict) or line.get("type") != "assistant" or not content:
        return None
    if isinstance(content, list) and any(
        isinstance(b, dict) and b.get("type") == "tool_use" for b in content
    ):
        return ()
    text, at = text_of(content), iso_utc(line.get("timestamp"))
    if not text or at is None:
        return None  # a thinking-only line: the text is on a line after it
    return text, at


class Reader:
    """The state of reading one transcript file."""

    def __init__(self, path: str, since: str | None, counters: Counters) -> None:
        self.context = FileContext(path)
        self.since = since
        self.counters = counters
        self.sessions: dict[str, Session] = {}
        self.executions: dict[str, Execution] = {}  # by tool_use_id
        self.pending: dict[bytes, Execution] = {}  # started, no result yet
        self.background: dict[str, Execution] = {}  # by agent id, launched, not finished
        self.excluded: set[str] = set()  # before --since
        self.first_at: str | None = None
        self.unit = Unit()
        self.recent: deque[bytes] = deque(maxlen=8)
        self.prompt_id: str | None = None
        self.sidechain_prompt_id: str | None = None

    # -- the line loop -------------------------------------------------------------------

    def units(self, lines: Iterator[bytes], progress: Callable[[int], None] | None):
        counters, pending = self.counters, self.pending
        done = 0
        for raw in lines:
            counters.lines += 1
            done += len(raw)
            if progress is not None and done >= _PROGRESS_EVERY:
                progress(done)
                done = 0
            if raw[:1] != b"{" or (raw[-2:] != b"}\n" and raw[-1:] != b"}"):
                shape = raw.strip()
                if not shape:
                    continue  # a blank line
                if shape[:1] != b"{" or shape[-1:] != b"}":
                    counters.skipped_lines += 1  # not an object: garbage or a cut-off line
                    continue
            if (
                (_TOOL_USE in raw and (_TASK in raw or _AGENT in raw))
                or (pending and _TOOL_USE_ID in raw and any(k in raw for k in pending))
                or _NOTIFICATION in raw
                or _API_ERROR in raw
                or (_USER in raw and _TOOL_USE_ID not in raw)
                or self.first_at is None
            ):
                unit = self.line(raw)
                if unit is not None:
                    yield unit
            self.recent.append(raw)
        if progress is not None and done:
            progress(done)
        yield from self.finish()

    def line(self, raw: bytes) -> Unit | None:
        """Handle one line that may matter; a finished unit when it starts a new turn."""
        try:
            line = json.loads(raw)
        except ValueError:  # also UnicodeDecodeError
            self.counters.skipped_lines += 1
            return None
        if not isinstance(line, dict):
            self.counters.skipped_lines += 1
            return None
        at = iso_utc(line.get("timestamp"))
        if self.first_at is None and at is not None:
            self.first_at = at
        message = line.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        kind = line.get("type")
        if kind in ("assistant", "user") and not isinstance(content, (str, list)):
            self.counters.skipped_lines += 1  # a message of the wrong shape
            return None
        closed = None
        try:
            if kind == "assistant" and isinstance(content, list):
                self.tool_calls(line, content, at)
                if line.get("isApiErrorMessage") is True and line.get("isSidechain") is not True:
                    # the turn ended on it (a StopFailure): its kind and Claude Code's text
                    self.unit.api_error = (line.get("error"), text_of(content), at)
            elif kind == "user":
                if isinstance(content, list):
                    self.tool_results(line, content, at)
                closed = self.user_text(line, content, at)
            elif kind in ("queue-operation", "attachment"):
                self.notified(line, at)
        except (TypeError, AttributeError, KeyError, ValueError):
            self.counters.skipped_lines += 1  # a line of the wrong shape
        return closed

    # -- sessions and turns --------------------------------------------------------------

    def session(self, line: dict, at: str | None) -> Session:
        session_id = line.get("sessionId")
        if not isinstance(session_id, str) or not session_id:
            session_id = os.path.splitext(os.path.basename(self.context.path))[0]
        found = self.sessions.get(session_id)
        if found is None:
            path = self.context.transcript_path(session_id)
            found = Session(session_id, path, (at if self.sessions else self.first_at) or at)
            self.sessions[session_id] = found
        if found.cwd is None and isinstance(line.get("cwd"), str):
            found.cwd = line["cwd"]
        return found

    def base(self, session: Session, event: str, cwd: object, **fields) -> dict:
        payload = {
            "session_id": session.session_id,
            "transcript_path": session.transcript_path,
            "cwd": cwd if isinstance(cwd, str) else session.cwd,
            "hook_event_name": event,
        }
        for key, value in fields.items():
            if value is not None:
                payload[key] = value
        return payload

    def user_text(self, line: dict, content: object, at: str | None) -> Unit | None:
        """A prompt typed by the user closes the turn before it and opens a new one."""
        if line.get("isSidechain") is True and isinstance(line.get("promptId"), str):
            self.sidechain_prompt_id = line["promptId"]  # a subagent's calls share its prompt
        text = text_of(content)
        if text is None:
            return None
        stripped = text.lstrip()
        if "<task-notification>" in text:
            closed = None
            if stripped.startswith(NOT_PROMPTS[0]) and line.get("isSidechain") is not True:
                # delivered as a prompt while Claude Code was idle: the turn before it ended
                closed = self.close_turn()
                prompt_id = line.get("promptId")
                if isinstance(prompt_id, str) and prompt_id:
                    self.prompt_id = prompt_id
            self.notified_text(line, text, at)
            if closed is not None:
                return closed
        if stripped.startswith(INTERRUPT_MARK):
            self.interrupted(line, text, at)
        if (
            line.get("isSidechain") is True
            or line.get("isMeta") is True
            or line.get("isCompactSummary") is True
            or at is None
            or stripped.startswith(NOT_PROMPTS)
            or (isinstance(content, list) and any(_is_result(b) for b in content))
        ):
            return None
        closed = self.close_turn()
        session = self.session(line, at)
        prompt_id = line.get("promptId") or line.get("prompt_id")
        self.prompt_id = prompt_id if isinstance(prompt_id, str) and prompt_id else None
        prompt = self.base(
            session,
            "UserPromptSubmit",
            line.get("cwd"),
            prompt=text,
            prompt_id=self.prompt_id,
            permission_mode=line.get("permissionMode"),
        )
        prompt[META] = {"received_at": at}  # stamped (redacted) only if the turn matters
        self.unit = Unit(prompt)
        return closed

    def close_turn(self) -> Unit | None:
        """The current unit, with its Stop when it is a turn; None when it is empty."""
        unit = self.unit
        self.unit = Unit()
        if not unit.items:
            return None
        if unit.prompt is not None:
            unit.prompt = stamp(unit.prompt)
            session = self.sessions[unit.prompt["session_id"]]
            end = max(
                [self.last_time(), unit.prompt[META]["received_at"], unit.last_at],
                key=lambda t: t or "",
            )
            if unit.api_error is not None:
                end = unit.api_error[2] or end
            unit.stop = stamp(self.turn_end(session, unit), end)
        return unit

    def turn_end(self, session: Session, unit: Unit) -> dict:
        """The hook event that ended the turn: StopFailure after an API error, else Stop.

        Stop lists the background agents still in flight (as Claude Code 2.1's does, so a
        call of the turn that never launched is cancelled) only when every call of the
        session has its answer: a call cut off by the end of the file may still be running.
        """
        prompt_id = unit.prompt.get("prompt_id")
        if unit.api_error is not None:
            error, details, _at = unit.api_error
            return self.base(
                session,
                "StopFailure",
                None,
                prompt_id=prompt_id,
                error=error if isinstance(error, str) else None,
                error_details=details if isinstance(details, str) else None,
            )
        in_flight = None
        if not any(call.session is session for call in self.pending.values()):
            in_flight = [
                {"id": call.agent_id, "type": "subagent", "status": "running"}
                for call in self.background.values()
                if call.session is session and not call.finished
            ]
        return self.base(session, "Stop", None, prompt_id=prompt_id, background_tasks=in_flight)

    def last_time(self) -> str | None:
        """The time of the last main-chain line read (the end of the current turn).

        A queue operation is not one: a notification queued when a background agent ended
        is written after the turn that launched it, which ended before.
        """
        for raw in reversed(self.recent):
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if (
                isinstance(line, dict)
                and line.get("isSidechain") is not True
                and line.get("type") != "queue-operation"
            ):
                at = iso_utc(line.get("timestamp"))
                if at is not None:
                    return at
        return None

    # -- executions ----------------------------------------------------------------------

    def tool_calls(self, line: dict, content: list, at: str | None) -> None:
        for block in content:
            if (
                not isinstance(block, dict)
                or block.get("type") != "tool_use"
                or block.get("name") not in SUBAGENT_TOOLS
            ):
                continue
            tool_use_id = block.get("id")
            if not isinstance(tool_use_id, str) or not tool_use_id:
                raise ValueError("tool_use without an id")
            if tool_use_id in self.executions or tool_use_id in self.excluded:
                continue  # the same call written twice
            if at is None:
                raise ValueError("tool_use line without a timestamp")
            if self.since is not None and at < self.since:
                self.excluded.add(tool_use_id)
                self.counters.before_since += 1
                continue
            tool_input = block.get("input") if isinstance(block.get("input"), dict) else {}
            session = self.session(line, at)
            message = line["message"]
            if session.model is None and isinstance(message.get("model"), str):
                session.model = message["model"]
            call = Execution(tool_use_id, block["name"], tool_input, session)
            call.cwd = line.get("cwd") if isinstance(line.get("cwd"), str) else session.cwd
            sidechain = line.get("isSidechain") is True
            call.prompt_id = self.sidechain_prompt_id if sidechain else self.prompt_id
            if line.get("isSidechain") is True and isinstance(line.get("agentId"), str):
                call.parent_agent = line["agentId"]
            call.started_at = at
            self.executions[tool_use_id] = call
            self.pending[tool_use_id.encode()] = call
            self.counters.executions += 1
            self.add(PRE, call, self.tool_payload(call, "PreToolUse"), at)

    def tool_payload(self, call: Execution, event: str, **fields) -> dict:
        return self.base(
            call.session,
            event,
            call.cwd,
            tool_name=call.tool_name,
            tool_use_id=call.tool_use_id,
            tool_input=call.tool_input,
            prompt_id=call.prompt_id,
            agent_id=call.parent_agent,
            **fields,
        )

    def add(self, kind: str, call: Execution, payload: dict, at: str, in_turn: bool = True):
        """Queue a payload; ``in_turn``: it happened within the turn (moves its end)."""
        self.unit.items.append((kind, call.tool_use_id, payload, call.session, at))
        if in_turn and (self.unit.last_at is None or at > self.unit.last_at):
            self.unit.last_at = at

    def tool_results(self, line: dict, content: list, at: str | None) -> None:
        results = [b for b in content if _is_result(b) and isinstance(b.get("tool_use_id"), str)]
        # toolUseResult belongs to the line's one result; with several it is ambiguous
        response = line.get("toolUseResult") if len(results) == 1 else None
        for block in results:
            call = self.pending.pop(block["tool_use_id"].encode(), None)
            if call is None:
                continue
            if at is None:
                raise ValueError("tool_result line without a timestamp")
            self.result(call, block, response, at)

    def result(self, call: Execution, block: dict, response: object, at: str) -> None:
        details = response if isinstance(response, dict) else {}
        error = unwrap(text_of(block.get("content")) or text_of(response) or "tool call failed")
        if block.get("is_error") is True and error.startswith(REJECTED_MARK):
            # refused at the permission prompt: no hook told of it, the turn's Stop cancels it
            call.finished = True
        elif block.get("is_error") is True and error.startswith(DENIED_MARKS):
            reason = error.split("Reason: ", 1)[1].split(DENIED_END, 1)[0].strip()
            payload = self.tool_payload(call, "PermissionDenied", reason=reason or None)
            self.add(FAILURE, call, payload, at)
            call.finished = True
        elif block.get("is_error") is True or details.get("wasInterrupted") is True:
            interrupted = INTERRUPT_MARK in error or details.get("wasInterrupted") is True
            payload = self.tool_payload(
                call, "PostToolUseFailure", error=error, is_interrupt=interrupted
            )
            self.add(FAILURE, call, payload, at)
            call.finished = True
        elif details.get("isAsync") is True or details.get("status") == "async_launched":
            call.ack = details
            agent_id = details.get("agentId")
            call.agent_id = agent_id if isinstance(agent_id, str) and agent_id else None
            if call.agent_id:
                self.background[call.agent_id] = call
            self.add(ACK, call, self.tool_payload(call, "PostToolUse", tool_response=details), at)
        else:
            if response is None:
                response = block.get("content")
            agent_id = details.get("agentId")
            path = self.context.agent_transcript(
                call.session.session_id, agent_id if isinstance(agent_id, str) else None
            )
            if path is not None:
                stop = self.subagent_stop(call, agent_id, path, None)
                self.add(STOP, call, stop, at)
            self.add(
                RESULT, call, self.tool_payload(call, "PostToolUse", tool_response=response), at
            )
            call.finished = True
        call.tool_input = {}  # the result payload has it; let it go

    def subagent_stop(self, call: Execution, agent_id: str, path: str | None, text: str | None):
        agent_type = meta_agent_type(path) if path else None
        if agent_type is None and isinstance(call.subagent_type, str):
            agent_type = call.subagent_type
        return self.base(
            call.session,
            "SubagentStop",
            call.cwd,
            agent_id=agent_id,
            agent_type=agent_type,
            agent_transcript_path=path,
            last_assistant_message=text,
        )

    def interrupted(self, line: dict, text: str, at: str | None) -> None:
        """The user stopped the turn: calls still waiting for their result were cancelled."""
        if at is None:
            return
        agent = line.get("agentId") if line.get("isSidechain") is True else None
        for key, call in list(self.pending.items()):
            if call.parent_agent == agent:
                del self.pending[key]
                payload = self.tool_payload(
                    call, "PostToolUseFailure", error=text.strip(), is_interrupt=True
                )
                self.add(FAILURE, call, payload, at)
                call.finished = True

    # -- background agents ---------------------------------------------------------------

    def notified(self, line: dict, at: str | None) -> None:
        """A task notification in a queue-operation or attachment line."""
        for value in (line.get("content"), line.get("attachment")):
            if isinstance(value, dict):
                value = value.get("prompt") or value.get("content")
            text = text_of(value)
            if text and "<task-notification>" in text:
                self.notified_text(line, text, at)

    def notified_text(self, line: dict, text: str, at: str | None) -> None:
        if at is None:
            return
        for note in notifications(text):
            call = self.executions.get(note["tool_use_id"] or "") or self.background.get(
                note["task_id"] or ""
            )
            if call is None:
                if note["tool_use_id"] in self.excluded:
                    continue
                self.unit.items.append((ORPHAN, None, (self, note, at), None, at))
            elif call.ack is not None and not call.finished:
                self.complete(call, note, at)

    def complete(self, call: Execution, note: dict | None, at: str) -> None:
        """A background agent of this file finished."""
        call.finished = True
        for kind, payload, when in self.completion(call, note, at):
            self.add(kind, call, payload, when, in_turn=False)

    def completion(self, call: Execution, note: dict | None, at: str) -> list[tuple]:
        """A finished background agent's SubagentStop, then its task notification.

        (kind, payload, time) triples, as the hooks would have told them: the SubagentStop
        (with the agent's last text, none for a killed agent) when the agent wrote its last
        line, if its transcript shows it, else when the parent was told (``at``); then the
        notification as the UserPromptSubmit that delivers it when Claude Code is idle,
        which the store applies as the hook's (status, result, usage, duration).
        """
        agent_id = call.agent_id or (note or {}).get("task_id")
        path = self.context.agent_transcript(call.session.session_id, agent_id)
        tail = agent_tail(path) if path else None
        stop_at = tail[1] if tail is not None and (call.started_at or "") <= tail[1] <= at else at
        found = []
        if agent_id:
            text = tail[0] if tail else None
            found.append((STOP, self.subagent_stop(call, agent_id, path, text), stop_at))
        if note is not None:
            told = self.base(call.session, "UserPromptSubmit", call.cwd, prompt=note["text"])
            found.append((COMPLETION, told, at))
        return found

    def orphan(self, row: dict, note: dict, at: str) -> list[tuple]:
        """(kind, payload, time) of a notification for an execution recorded elsewhere.

        ``row`` is its node (tool_use_id, tool_name, session_id, project, agent_id,
        started_at), found in the database by backfill.
        """
        session = self.sessions.get(row["session_id"]) or Session(
            row["session_id"], self.context.transcript_path(row["session_id"]), at
        )
        call = Execution(row["tool_use_id"], row["tool_name"], {}, session)
        call.cwd = row["project"]
        call.agent_id = row["agent_id"]
        call.started_at = row["started_at"]
        call.ack = {}
        return self.completion(call, note, at)

    def finish(self) -> Iterator[Unit]:
        """End of file: the last turn, then background agents whose transcript shows an end."""
        unit = self.close_turn()
        if unit is not None:
            yield unit
        for call in list(self.background.values()):
            if not call.finished:
                path = self.context.agent_transcript(call.session.session_id, call.agent_id)
                tail = agent_tail(path) if path else None
                if tail is not None:
                    self.complete(call, None, max(call.started_at, tail[1]))
        unit = self.close_turn()
        if unit is not None:
            yield unit


def stamped(item: tuple) -> dict:
    """The payload of a unit's item as kept: redacted, received at the item's time (a
    sixth member is that, made ahead by another process: ``recorder.sources.read_ahead``)."""
    return item[5] if len(item) > 5 else stamp(item[2], item[4])


def unwrap(error: str) -> str:
    """An error result's text without the ``<tool_use_error>`` tags Claude Code wraps it in."""
    inner = error.strip()
    if inner.startswith(_ERROR_OPEN) and inner.endswith(_ERROR_CLOSE):
        return inner[len(_ERROR_OPEN) : -len(_ERROR_CLOSE)].strip()
    return error


def meta_agent_type(path: str) -> str | None:
    """The ``agentType`` of a subagent transcript's sidecar ``agent-<id>.meta.json``."""
    try:
        with open(path[: -len(".jsonl")] + ".meta.json", encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return None
    found = meta.get("agentType") if isinstance(meta, dict) else None
    return found if isinstance(found, str) and found else None


def _is_result(block: object) -> bool:
    return isinstance(block, dict) and block.get("type") == "tool_result"


def read_file(
    path: str,
    since: str | None,
    counters: Counters,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Unit]:
    """The units of one transcript, streamed line by line.

    ``progress(n)`` is called with the number of bytes read since its last call.
    An unreadable file is counted in ``counters.unreadable_files`` and yields nothing.
    """
    reader = Reader(path, since, counters)
    try:
        # a large buffer: a long line is read in one piece, not in the default's small ones
        f = open(path, "rb", buffering=_BUFFER)  # noqa: SIM115 (closed below; a generator must not hold a with)
    except OSError:
        counters.unreadable_files += 1
        return
    counters.files += 1
    try:
        yield from reader.units(f, progress)
    except OSError:
        counters.unreadable_files += 1
    finally:
        f.close()
