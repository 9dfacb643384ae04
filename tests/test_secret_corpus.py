"""A corpus of realistic secret shapes: none may reach the disk (issue 15, item 4).

Every shape of ``secret_corpus`` is redacted as text, as serialized JSON, as a dict
key and (the common ones) URL-encoded and base64-encoded; then all of them go through
the real hook in every stored field of every event kind and the bytes of every file
written are searched for any 12-character piece of any secret. A property test
checks that redaction never leaves a piece of a generated secret, wherever it sits.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from conftest import event, query, run_cli, run_hook, settle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from secret_corpus import SHAPES, encoded_forms, pieces

from recorder.redaction import rules as redact_rules
from recorder.redaction.engine import redact, redact_text

ALL_FORMS = SHAPES + encoded_forms()


def leaked(out: str, secret: str) -> list[str]:
    return sorted(p for p in pieces(secret) if p in out)


def test_the_corpus_is_broad():
    assert len(SHAPES) >= 150
    assert len({name for name, _, _ in ALL_FORMS}) == len(ALL_FORMS)
    for name, text, secret in ALL_FORMS:
        assert secret in text, name


@pytest.mark.parametrize(("name", "text", "secret"), ALL_FORMS, ids=[s[0] for s in ALL_FORMS])
def test_no_piece_of_any_shape_survives_redaction(name, text, secret):
    assert leaked(redact_text(text), secret) == []
    assert leaked(redact_text(json.dumps(text)), secret) == []  # a JSON-serialized field
    assert leaked(redact_text(json.dumps(json.dumps(text))), secret) == []  # JSON in JSON
    as_key = json.dumps(redact({text: "x", "env": {"nested": [text, {text: text}]}}))
    assert leaked(as_key, secret) == []


def test_the_last_resort_redaction_needs_nothing_but_re():
    """What the hook uses when the recorder cannot be imported: the shapes it knows."""
    source = Path(redact_rules.__file__).read_text()
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["import re"]
    caught = [name for name, text, s in SHAPES if not leaked(redact_rules.redact_text(text), s)]
    assert len(caught) >= 100


def every_field(all_text: str, tag: str) -> list[dict]:
    """Events of every kind recorded, the corpus in every text field and as keys."""
    common = {"cwd": all_text, "transcript_path": all_text, "permission_mode": all_text}
    tool_input = {"description": all_text, "prompt": all_text, "subagent_type": all_text}
    keyed = {text: text for text in all_text.split("\n\u2063\n")}
    response = {
        "status": "completed",
        "agentId": f"agent-{tag}",
        "content": [{"type": "text", "text": all_text}],
        "resolvedModel": all_text,
        "outputFile": all_text,
        "env": keyed,
    }
    session = f"sess-{tag}"
    return [
        event("SessionStart", session, source=all_text, model=all_text, **common),
        event("UserPromptSubmit", session, prompt=all_text, **common),
        event("PreToolUse", session, tool_name="Task", tool_use_id=f"toolu_{tag}_1",
              tool_input=tool_input, extra=keyed, **common),
        event("PostToolUse", session, tool_name="Task", tool_use_id=f"toolu_{tag}_1",
              tool_input=tool_input, tool_response=response, **common),
        event("PostToolUseFailure", session, tool_name="Task", tool_use_id=f"toolu_{tag}_2",
              tool_input=tool_input, error=all_text, **common),
        event("SubagentStop", session, agent_id=f"agent-{tag}", agent_type=all_text,
              last_assistant_message=all_text, agent_transcript_path=all_text, **common),
        event("Stop", session, **common),
        {"hook_event_name": "PreToolUse", "tool_name": "Task", "extra": keyed},  # dead letter
    ]  # fmt: skip


def file_leaks(directory: Path) -> list[str]:
    found = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        try:
            data = path.read_bytes().decode("utf-8", "replace").lower()
        except FileNotFoundError:  # a -wal or -shm the last connection just removed
            continue
        for name, _, secret in ALL_FORMS:
            hit = next((p for p in pieces(secret.lower()) if p in data), None)
            if hit is not None:
                found.append(f"{path.name}: {name} ({hit!r})")
    return found


def test_no_shape_reaches_any_file_through_the_real_hook(tmp_path):
    db = tmp_path / "memory" / "index.db"
    texts = [text for _, text, _ in ALL_FORMS]
    batches = [texts[i : i + 40] for i in range(0, len(texts), 40)]
    for n, batch in enumerate(batches):
        for payload in every_field("\n\u2063\n".join(batch), f"b{n}"):
            result = run_hook(db, payload)
            assert result.returncode == 0 and result.stdout == b""
    assert query(db, "SELECT count(*) AS n FROM node_executions")[0]["n"] == 2 * len(batches)
    assert run_cli("replay", "--db", str(db)).returncode == 0  # dead letters tried again
    settle(db)  # the derivation worker has finished
    assert file_leaks(db.parent) == []


# -- property: no piece of a secret survives, wherever it is put --------------------

_FILLER = st.text(
    alphabet=string.ascii_letters + string.digits + " \n\t.,:;=/-_\"'(){}[]", max_size=40
)
_SEPARATOR = st.sampled_from([" ", "\n", "\t", '"', "'", "=", ": ", "(", ",", "\\n", "`"])
# after a value: what ends it (an opening parenthesis would make it look like a call)
_END = st.sampled_from([" ", "\n", "\t", '"', "'", ",", ";", ")", "\\n", "`"])


_CLASSES = ("0123456789", "abcdef", "ghijklmnopqrstuvwxyz", "ABCDEF", "GHIJKLMNOPQRSTUVWXYZ")


@st.composite
def secret_in_context(draw) -> tuple[str, str]:
    """A corpus shape with a fresh random body (each character from its own class, so
    hex stays hex), inside random surrounding text."""
    _, text, secret = draw(st.sampled_from(SHAPES))
    keep = min(24, len(secret) // 2)  # the vendor prefix and suffix (-us14) stay
    middle = secret[keep:-4]
    fresh = (
        secret[:keep]
        + "".join(
            next((draw(st.sampled_from(c)) for c in _CLASSES if ch in c), ch) for ch in middle
        )
        + secret[-4:]
    )
    left, right = draw(_FILLER), draw(_FILLER)
    middle = text.replace(secret, fresh)
    return left + draw(_SEPARATOR) + middle + draw(_END) + right, fresh


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret_in_context())
def test_redaction_never_leaves_a_piece_of_a_secret(case):
    text, secret = case
    out = redact_text(text)
    # what survives must not hold more of the secret than the text without it did
    without = text.replace(secret, "")
    assert [p for p in leaked(out, secret) if p not in without] == []
    assert redact_text(out) == out  # idempotent: nothing new appears on a second pass
