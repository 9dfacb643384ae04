"""Subagent transcripts with known usage, written the way Claude Code writes them."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

HAIKU = "claude-haiku-4-5-20251001"
SONNET = "claude-sonnet-4-5-20250929"
# USD per million tokens (Anthropic's published prices, as in recorder/derive/prices.json)
PRICE = {
    HAIKU: {"input": 1.0, "output": 5.0, "cache_read": 0.1, "w5m": 1.25, "w1h": 2.0},
    SONNET: {"input": 3.0, "output": 15.0, "cache_read": 0.3, "w5m": 3.75, "w1h": 6.0},
}


def line_json(line: dict) -> str:
    return json.dumps(line, separators=(",", ":"))


class AgentTranscript:
    """``<session>/subagents/agent-<id>.jsonl`` with its ``.meta.json``, and its true sums."""

    def __init__(
        self,
        path: Path,
        agent_id: str,
        session: str,
        agent_type: str = "Explore",
        version: str = "2.1.336",
    ):
        self.path, self.agent_id, self.session = path, agent_id, session
        # before 2.1.97 every line of a response carried its stream's starting usage
        self.version = version
        self.placeholders = tuple(map(int, version.split("."))) < (2, 1, 97)
        self.lines: list[str] = []
        self.sums = {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0}
        self.cost = 0.0
        self.calls = 0
        self.second = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"agentType": agent_type, "toolUseId": f"toolu_{agent_id}"}
        path.with_name(f"agent-{agent_id}.meta.json").write_text(json.dumps(meta))
        self.add("user", {"role": "user", "content": "Do the task"})

    def at(self) -> str:
        self.second += 1
        return f"2026-03-02T10:{self.second // 60:02d}:{self.second % 60:02d}.000Z"

    def add(self, kind: str, message: dict, **extra) -> None:
        line = {
            "parentUuid": None,
            "isSidechain": True,
            "userType": "external",
            "cwd": "/home/u/proj",
            "sessionId": self.session,
            "version": self.version,
            "agentId": self.agent_id,
            "type": kind,
            "message": message,
            "uuid": str(uuid.uuid4()),
            "timestamp": self.at(),
            **extra,
        }
        self.lines.append(line_json(line))

    def response(
        self,
        model: str,
        blocks: list[dict],
        input: int = 0,
        output: int = 0,
        cache_read: int = 0,
        w5m: int = 0,
        w1h: int = 0,
    ) -> None:
        """One API response, one line per content block (all share message.id and requestId).

        The earlier lines carry the output count seen so far, as while streaming; before
        2.1.97 every line carries the placeholder 1 (``sums`` keep the true counts).
        """
        message_id, request_id = "msg_" + uuid.uuid4().hex[:24], "req_" + uuid.uuid4().hex[:24]
        for i, block in enumerate(blocks):
            partial = output if i == len(blocks) - 1 else max(1, output // 3)
            if self.placeholders:
                partial = 1
            usage = {
                "input_tokens": input,
                "cache_creation_input_tokens": w5m + w1h,
                "cache_read_input_tokens": cache_read,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": w5m,
                    "ephemeral_1h_input_tokens": w1h,
                },
                "output_tokens": partial,
                "service_tier": "standard",
            }
            message = {
                "model": model,
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "content": [block],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": usage,
            }
            self.add("assistant", message, requestId=request_id)
        self.calls += 1
        for kind, count in (("input", input), ("output", output), ("cache_read", cache_read)):
            self.sums[kind] += count
        self.sums["cache_write"] += w5m + w1h
        p = PRICE.get(model)
        if p is not None:
            self.cost += (
                input * p["input"]
                + output * p["output"]
                + cache_read * p["cache_read"]
                + w5m * p["w5m"]
                + w1h * p["w1h"]
            ) / 1e6

    def tool(self, model: str, tool_id: str, name: str, tool_input: dict, **tokens) -> None:
        block = {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}
        self.response(
            model, [{"type": "thinking", "thinking": "hm", "signature": "s"}, block], **tokens
        )

    def result(self, tool_id: str, error: bool = False, response: dict | None = None) -> None:
        block = {"type": "tool_result", "tool_use_id": tool_id, "content": "ok", "is_error": error}
        extra = {} if response is None else {"toolUseResult": response}
        self.add("user", {"role": "user", "content": [block]}, **extra)

    def finish(self, model: str, text: str = "All done.", **tokens) -> None:
        self.response(model, [{"type": "text", "text": text}], **tokens)

    def synthetic(self) -> None:
        message = {
            "model": "<synthetic>",
            "id": "msg_" + uuid.uuid4().hex[:24],
            "role": "assistant",
            "content": [{"type": "text", "text": "API Error"}],
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        self.add("assistant", message)

    @property
    def token_count(self) -> int:
        return sum(self.sums.values())

    def write(self, upto: int | None = None) -> Path:
        lines = self.lines if upto is None else self.lines[:upto]
        self.path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return self.path


def typical(path: Path, agent_id: str, session: str, files: tuple = ()) -> AgentTranscript:
    """A subagent that used two models, a failing tool, file reads and writes."""
    t = AgentTranscript(path, agent_id, session)
    t.tool(HAIKU, f"tu_{agent_id}_1", "Grep", {"pattern": "x"}, input=12, output=90, w5m=4000)
    t.result(f"tu_{agent_id}_1")
    t.tool(
        HAIKU,
        f"tu_{agent_id}_2",
        "Read",
        {"file_path": "/home/u/proj/a.py"},
        input=3,
        output=40,
        cache_read=4000,
        w1h=1500,
    )
    t.result(f"tu_{agent_id}_2")
    t.tool(
        SONNET,
        f"tu_{agent_id}_3",
        "Bash",
        {"command": "false"},
        input=5,
        output=300,
        cache_read=5500,
        w5m=200,
    )
    t.result(f"tu_{agent_id}_3", error=True)
    t.tool(
        SONNET,
        f"tu_{agent_id}_4",
        "Edit",
        {"file_path": "/home/u/proj/b.py"},
        input=2,
        output=120,
        cache_read=5700,
        w5m=50,
    )
    t.result(f"tu_{agent_id}_4")
    t.synthetic()
    t.finish(SONNET, "Changed b.py.", input=1, output=250, cache_read=5750)
    return t
