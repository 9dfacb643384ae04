"""The transcripts Claude Code 2.1.336 writes for the executions of a fixture hook stream.

A fixture (tests/fixtures/claude_code) is what the hooks were told; this module writes
what the same session leaves on disk (docs/claude-code-events.md, "Transcripts"):

* the main transcript ``<projects>/<project>/<session>.jsonl``: the user's prompts
  (``promptId`` on user lines), the assistant's Agent/Task ``tool_use``, the user line
  with its ``tool_result`` and ``toolUseResult`` (the hook's ``tool_response``), a task
  notification delivered when idle (a user line whose ``origin`` is a task
  notification), a call refused at the permission prompt or by auto mode (an
  ``is_error`` result with Claude Code's refusal text), an API error that ended the turn
  (an assistant line with ``isApiErrorMessage``) and the turn's last assistant text;
* each subagent's ``<session>/subagents/agent-<id>.jsonl`` (sidechain lines with
  ``agentId``: its prompt, the Agent calls it made itself, its last text when it
  finished, an unanswered tool call when it was killed) and ``agent-<id>.meta.json``.

Every line is stamped with the time the matching hook event was sent.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from claude_code_fixtures import FIXTURES

from recorder.hook import clock

VERSION = "2.1.336"
MAIN_MODEL = "claude-opus-4-6"
# Claude Code's texts for a refused call (the tool_result of an is_error result).
REJECTED = (
    "The user doesn't want to proceed with this tool use. The tool use was rejected "
    "(eg. if it was a file edit, the new_string was NOT written to the file). STOP what "
    "you are doing and wait for the user to tell you how to proceed."
)
AUTO_DENIED = "Permission for this action was denied by the Claude Code auto mode classifier. "
AUTO_DENIED_TAIL = ". If you have other tasks that don't depend on this action, continue."


def compact(line: dict) -> str:
    """A line as Claude Code writes it (JSON.stringify: no spaces)."""
    return json.dumps(line, separators=(",", ":"), ensure_ascii=False)


class File:
    """One transcript file being written: its lines, chained by parentUuid."""

    def __init__(self, path: Path, session: str, cwd: str, agent_id: str | None = None):
        self.path, self.session, self.cwd, self.agent_id = path, session, cwd, agent_id
        self.lines: list[str] = []
        self.parent: str | None = None
        self.prompt_id: str | None = None  # the prompt of the turn (main file only)

    def line(self, kind: str, message: dict | None, at: str, **extra) -> None:
        line = {
            "parentUuid": self.parent,
            "isSidechain": self.agent_id is not None,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.session,
            "version": VERSION,
            "gitBranch": "main",
        }
        if self.agent_id is not None:
            line["agentId"] = self.agent_id
        line.update(type=kind, message=message, uuid=str(uuid.uuid4()), timestamp=at)
        if message is None:
            del line["message"]
        line.update({k: v for k, v in extra.items() if v is not None})
        self.parent = line["uuid"]
        self.lines.append(compact(line))

    def user(self, content: object, at: str, **extra) -> None:
        extra.setdefault("promptId", self.prompt_id)
        self.line("user", {"role": "user", "content": content}, at, **extra)

    def assistant(self, blocks: list[dict], at: str, model: str = MAIN_MODEL, **extra) -> None:
        message = {
            "model": model,
            "id": "msg_01" + uuid.uuid4().hex[:22],
            "type": "message",
            "role": "assistant",
            "content": blocks,
            "stop_reason": "tool_use" if blocks[0]["type"] == "tool_use" else "end_turn",
            "usage": {"input_tokens": 6, "output_tokens": 90, "cache_read_input_tokens": 8000},
        }
        self.line("assistant", message, at, requestId="req_011" + uuid.uuid4().hex[:20], **extra)

    def result(self, tool_use_id: str, content: object, at: str, response: object, **flags):
        block = {"tool_use_id": tool_use_id, "type": "tool_result", "content": content, **flags}
        self.user([block], at, toolUseResult=response)

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")


class Session:
    """The files of one session, written from its hook events in order."""

    def __init__(self, projects: Path, payload: dict):
        self.id = payload["session_id"]
        self.cwd = payload["cwd"]
        self.dir = projects / Path(payload["transcript_path"]).parent.name
        self.main = File(self.dir / f"{self.id}.jsonl", self.id, self.cwd)
        self.agents: dict[str, File] = {}
        self.calls: dict[str, dict] = {}  # tool_use_id -> its PreToolUse
        self.answered: set[str] = set()
        self.linked: dict[str, str] = {}  # tool_use_id -> agent id
        self.models: dict[str, str] = {}  # agent id -> resolvedModel
        self.turn_at: str | None = None  # when the current turn's prompt came

    def file_of(self, payload: dict) -> File:
        """Where a tool call of ``payload`` is written: its calling subagent's file, or main."""
        agent = payload.get("agent_id")
        return self.agents[agent] if agent else self.main

    def apply(self, payload: dict, at: str) -> None:
        name = payload["hook_event_name"]
        getattr(self, name.lower(), lambda *_: None)(payload, at)

    def userpromptsubmit(self, payload: dict, at: str) -> None:
        prompt = payload["prompt"]
        origin = {"kind": "task-notification"} if prompt.startswith("<task-notif") else None
        if origin is not None:  # queued when the agent ended, taken when Claude Code was idle
            for operation in ("enqueue", "dequeue"):
                self.main.lines.append(
                    compact(
                        {
                            "type": "queue-operation",
                            "operation": operation,
                            "timestamp": at,
                            "sessionId": self.id,
                            **({"content": prompt} if operation == "enqueue" else {}),
                        }
                    )
                )
        self.main.prompt_id = payload.get("prompt_id")
        self.turn_at = at
        self.main.user(
            prompt,
            at,
            promptId=payload.get("prompt_id"),
            permissionMode=payload.get("permission_mode"),
            origin=origin,
        )

    def pretooluse(self, payload: dict, at: str) -> None:
        if payload["tool_name"] not in ("Agent", "Task"):
            return
        self.calls[payload["tool_use_id"]] = payload
        block = {
            "type": "tool_use",
            "id": payload["tool_use_id"],
            "name": payload["tool_name"],
            "input": payload["tool_input"],
        }
        caller = payload.get("agent_id")
        self.file_of(payload).assistant([block], at, model=self.models.get(caller, MAIN_MODEL))

    def posttooluse(self, payload: dict, at: str) -> None:
        response = payload["tool_response"]
        self.answered.add(payload["tool_use_id"])
        if isinstance(response, str):
            content = response
        elif response.get("status") == "async_launched":
            self.models[response["agentId"]] = response.get("resolvedModel") or MAIN_MODEL
            content = [
                {
                    "type": "text",
                    "text": "Async agent launched successfully.\n"
                    f"agentId: {response['agentId']} (internal ID - do not mention to user.)",
                }
            ]
        else:
            content = response["content"]
        self.file_of(payload).result(payload["tool_use_id"], content, at, response)

    def permissiondenied(self, payload: dict, at: str) -> None:
        self.answered.add(payload["tool_use_id"])
        text = f"{AUTO_DENIED}Reason: {payload['reason']}{AUTO_DENIED_TAIL}"
        self.file_of(payload).result(
            payload["tool_use_id"], text, at, f"Error: {text}", is_error=True
        )

    def subagentstart(self, payload: dict, at: str) -> None:
        agent = payload["agent_id"]
        (tool_use_id,) = [
            t for t, call in self.calls.items() if t not in self.linked and t not in self.answered
        ][-1:]
        self.linked[tool_use_id] = agent
        call = self.calls[tool_use_id]
        path = self.dir / self.id / "subagents" / f"agent-{agent}.jsonl"
        meta = {"agentType": payload["agent_type"], "toolUseId": tool_use_id}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".meta.json").write_text(compact(meta), encoding="utf-8")
        self.agents[agent] = File(path, self.id, self.cwd, agent)
        self.agents[agent].prompt_id = payload.get("prompt_id")  # a subagent shares the prompt's
        self.agents[agent].user(call["tool_input"]["prompt"], at)

    def subagentstop(self, payload: dict, at: str) -> None:
        agent, text = self.agents[payload["agent_id"]], payload.get("last_assistant_message")
        model = self.models.get(payload["agent_id"], MAIN_MODEL)
        if text:
            agent.assistant([{"type": "text", "text": text}], at, model=model)
        else:  # killed: its last call never got its result
            block = {"type": "tool_use", "id": "toolu_in_" + uuid.uuid4().hex[:8], "name": "Bash"}
            agent.assistant([dict(block, input={"command": "make"})], at, model=model)

    def stop(self, payload: dict, at: str) -> None:
        for tool_use_id in self.calls:
            if tool_use_id not in self.answered and tool_use_id not in self.linked:
                # refused at the permission prompt: Claude Code answers the call itself
                self.answered.add(tool_use_id)
                self.main.result(tool_use_id, REJECTED, at, f"Error: {REJECTED}", is_error=True)
        if payload.get("last_assistant_message"):
            self.main.assistant([{"type": "text", "text": payload["last_assistant_message"]}], at)
        in_flight = len(payload.get("background_tasks") or [])
        self.main.line(
            "system",
            None,
            at,
            subtype="turn_duration",
            durationMs=round((clock.epoch(at) - clock.epoch(self.turn_at or at)) * 1000),
            pendingBackgroundAgentCount=in_flight,
            isMeta=False,
        )

    def stopfailure(self, payload: dict, at: str) -> None:
        text = f"API Error: {payload['error_details']}"
        self.main.assistant(
            [{"type": "text", "text": text}],
            at,
            model="<synthetic>",
            isApiErrorMessage=True,
            error=payload["error"],
            apiErrorStatus=int(payload["error_details"].split()[0]),
        )

    def write(self) -> None:
        self.main.write()
        for agent in self.agents.values():
            agent.write()


def write_transcripts(name: str, projects: Path) -> Path:
    """Write the transcripts of fixture ``name`` under ``projects``; return ``projects``."""
    events = json.loads((FIXTURES / f"{name}.json").read_text())["events"]
    sessions: dict[str, Session] = {}
    for event in events:
        payload = event["payload"]
        session = sessions.get(payload["session_id"])
        if session is None:
            session = sessions[payload["session_id"]] = Session(projects, payload)
        session.apply(payload, event["at"])
    for session in sessions.values():
        session.write()
    return projects
