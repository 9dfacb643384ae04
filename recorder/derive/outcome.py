"""Classify a finished subagent execution as success, failure or unknown.

Standard library only. Structured signals (interrupt flag, PostToolUseFailure
error, fields of the raw ``tool_response``) are decided first; then a result
that is only an error message or ends in a traceback; then the report's text is
judged by the trained model of ``outcome_model`` (measured on the labelled
corpus in tests/outcomes/ by benchmarks/outcome.py). Deterministic.

Every verdict carries a reason a person can read (for the model: the phrases
that decided it) and, for a failure, a ``failure_kind``:

- ``needs_input``: stopped to ask a question or for a decision;
- ``blocked``: no access, credentials, permission, network or dependency;
- ``incomplete``: part of the job done, something still missing or broken;
- ``unable``: tried and could not (gave up, reverted, could not reproduce or find);
- ``wrong_target``: did the work on the wrong file, branch, system or question;
- ``tool_error``: a tool, the API or the subagent itself errored;
- ``cancelled``: killed, stopped or denied before it finished.

A report too short or too vague to judge is ``unknown``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import AbstractContextManager

from recorder.derive import learnings, lending, outcome_model


class Verdict(tuple):
    """The outcome ("success", "failure" or "unknown"), a short reason, a failure_kind
    (failures only) and which classifier judged.

    A plain tuple subclass: typing.NamedTuple or collections.namedtuple would cost
    the hook process an import or a code generation on every run.
    """

    __slots__ = ()

    def __new__(
        cls,
        outcome: str,
        reason: str,
        failure_kind: str | None = None,
        judged_by: str | None = None,
    ) -> Verdict:
        return tuple.__new__(cls, (outcome, reason, failure_kind, judged_by))

    def __getnewargs__(self) -> tuple:  # pickled by value (bulk's workers send verdicts)
        return tuple(self)

    @property
    def outcome(self) -> str:
        return self[0]

    @property
    def reason(self) -> str:
        return self[1]

    @property
    def failure_kind(self) -> str | None:
        return self[2]

    @property
    def judged_by(self) -> str | None:
        """Which classifier (and version) gave the verdict."""
        return self[3]

    def by(self, judge: str) -> Verdict:
        """The same verdict, recorded as given by ``judge``."""
        return Verdict(self[0], self[1], self[2], judge)


class _LazyPattern:
    """A regex compiled on first use: most results never reach the text rules."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled = None

    def __getattr__(self, name: str):
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return getattr(self._compiled, name)


SUCCESS = "success"
FAILURE = "failure"
UNKNOWN = "unknown"

RULES_VERSION = "rules-4"  # 4: reasons quote only telling phrases
MIN_WORDS = 3  # fewer words than this is too little to judge
TOOL_ERROR = "tool_error"
CANCELLED = "cancelled"
FAILURE_KINDS = frozenset(
    {"needs_input", "blocked", "incomplete", "unable", "wrong_target", TOOL_ERROR, CANCELLED}
)
TAIL_CHARS = 600  # the closing summary
ERROR_ONLY_MAX = 500  # a result this short that opens with an error is just an error
QUOTE_MAX = 90

_FAILED_STATUSES = frozenset(
    {
        "error",
        "errored",
        "failed",
        "failure",
        "fail",
        "timeout",
        "timed_out",
        "timed-out",
        "timedout",
        "killed",
        "cancelled",
        "canceled",
        "aborted",
        "crashed",
        "rejected",
        "denied",
    }
)
_CANCELLED_STATUSES = frozenset({"killed", "cancelled", "canceled", "aborted", "stopped"})
_PENDING_STATUSES = frozenset({"running", "pending", "queued", "in_progress", "started"})

_TB_FRAME = _LazyPattern(
    r"Traceback \(most recent call last\):|^\s*File \"[^\"\n]*\", line \d+", re.M
)
_EXC_LINE = _LazyPattern(
    r"(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt)\b(?::.*)?$"
)
_ERROR_ONLY = _LazyPattern(
    r"[^\w\n]{0,3}(?:(?:api|fatal|internal|runtime|tool|agent|uncaught|unhandled)\s+)?"
    r"(?:[\w.]*error|[\w.]*exception|fatal|panic)\b(?:\s*\d{3})?\s*[:\[(]"
    r"(?!\s*(?:none|0|n/a|nothing)\b)"
    r"|[^\w\n]{0,3}(?:command|request|process|execution|agent|subagent)\s+failed\b"
    r"|\s*<tool_use_error>"
    r"|[\w./-]{1,40}:[^\n]{0,200}: (?:No such file or directory|Permission denied"
    r"|command not found|Operation not permitted)[ \t]*(?:\n|$)"
    r"|[\w./-]{1,40}: command not found: \S+"
    r"|[^\w\n]{0,3}(?:prompt\s+is\s+too\s+long|credit\s+balance\s+is\s+too\s+low"
    r"|(?:[\w ]{0,30}?\s)?usage\s+limit\s+reached|rate\s+limit(?:ed)?\b|request\s+timed\s+out)",
    re.I,
)
# A report that marks its own status on a line of its own ("BLOCKED: ...", "Status: failed").
_MARKER = _LazyPattern(
    r"^[^\w\n]{0,8}(?:(BLOCKED|FAILED|FAILURE|ABORTED|INCOMPLETE)[^\w\n]{0,4}:"
    r"|(?:final\s+|overall\s+)?(?:status|result|outcome)[^\w\n]{0,4}[:=][^\w\n]{0,8}"
    r"(blocked|failed|failure|incomplete|not\s+(?:completed|done)|aborted|unsuccessful)\b)",
    re.I | re.M,
)
_MARKER_KINDS = {"blocked": "blocked", "incomplete": "incomplete", "not": "incomplete"}
_INTERRUPTED_PREFIX = "[Request interrupted by user"
_WS = _LazyPattern(r"\s+")
_SENTENCE = _LazyPattern(r"(?<=[.!?])\s+|\n+")


def _short(value: object, limit: int = QUOTE_MAX) -> str:
    """One line of at most ``limit`` characters, for a reason string."""
    try:
        s = value if isinstance(value, str) else str(value)
    except Exception:
        s = f"<{type(value).__name__}>"
    s = _WS.sub(" ", s[: limit * 4]).strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "\u2026"


def _first_line(value: object) -> str:
    """First non-empty line of an error value, shortened."""
    if isinstance(value, dict):
        value = value.get("message") or value.get("error") or value
    s = value if isinstance(value, str) else _short(value, 400)
    for line in s[:4000].splitlines():
        if line.strip():
            return _short(line)
    return ""


def _truthy(value: object) -> bool:
    """Truthiness that does not take the string "false" for true."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "y")
    return value is True or (isinstance(value, int) and value != 0)


def _has_value(value: object) -> bool:
    """Whether an ``error`` field actually carries an error."""
    if value is None or value is False:
        return False
    if isinstance(value, (str, bytes, list, dict, tuple)):
        return bool(value.strip() if isinstance(value, (str, bytes)) else value)
    return True


def _as_text(value: object) -> str | None:
    """A str from a str or bytes; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return None


def _blocks_text(blocks: list) -> str:
    return "\n".join(
        b["text"] for b in blocks if isinstance(b, dict) and isinstance(b.get("text"), str)
    )


def _text_from_response(response: object) -> str | None:
    """Result text carried by a raw tool_response, when the caller passed none."""
    s = _as_text(response)
    if s is not None:
        return s
    if isinstance(response, list):
        return _blocks_text(response)
    if isinstance(response, dict):
        for key in ("content", "result", "text", "output"):
            value = response.get(key)
            if isinstance(value, list):
                return _blocks_text(value)
            s = _as_text(value)
            if s is not None:
                return s
    return None


def _from_response(response: object) -> Verdict | None:
    """Verdict from the structured fields of a tool_response, if they settle it."""
    blocks = response if isinstance(response, list) else None
    if isinstance(response, dict):
        if _truthy(response.get("is_error")) or _truthy(response.get("isError")):
            return Verdict(FAILURE, "tool_response.is_error is set", TOOL_ERROR)
        if _has_value(response.get("error")):
            detail = _first_line(response["error"]) or "(no message)"
            return Verdict(FAILURE, f"tool_response.error: {detail}", TOOL_ERROR)
        status = response.get("status")
        status = status.strip().lower() if isinstance(status, str) else ""
        if status in _FAILED_STATUSES:
            kind = CANCELLED if status in _CANCELLED_STATUSES else TOOL_ERROR
            return Verdict(FAILURE, f"tool_response.status is {status!r}", kind)
        content = response.get("content")
        blocks = content if isinstance(content, list) else None
    for block in blocks or ():
        if isinstance(block, dict) and _truthy(block.get("is_error")):
            detail = _first_line(block.get("text") or block.get("content") or "")
            reason = "tool_response content block has is_error"
            return Verdict(FAILURE, f"{reason}: {detail}" if detail else reason, TOOL_ERROR)
    if isinstance(response, dict):
        if status == "interrupted":
            return Verdict(UNKNOWN, "interrupted before finishing")
        if status == "async_launched":
            return Verdict(UNKNOWN, "background subagent launched; result not yet known")
        if status in _PENDING_STATUSES:
            return Verdict(UNKNOWN, f"subagent still {status!r}; result not yet known")
    return None


def _from_error_text(text: str, stripped: str) -> Verdict | None:
    """A result that ends in a Python traceback, or that is only an error message."""
    tail = text[-(TAIL_CHARS * 3) :]
    lines = [ln.strip() for ln in tail.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("```")]
    last = lines[-1] if lines else ""
    if (
        len(last) <= 300
        and any(w in last for w in ("Error", "Exception", "Exit", "Interrupt"))
        and _EXC_LINE.match(last)
        and _TB_FRAME.search(tail)
    ):
        return Verdict(FAILURE, f"result ends in a Python traceback: '{_short(last)}'", TOOL_ERROR)
    if len(stripped) <= ERROR_ONLY_MAX and _ERROR_ONLY.match(stripped):
        return Verdict(
            FAILURE, f"result is only an error message: '{_short(stripped)}'", TOOL_ERROR
        )
    return None


def _is_interrupt_notice(stripped: str) -> bool:
    """Whether the whole result is Claude Code's "[Request interrupted by user…]" notice."""
    if not (stripped.startswith(_INTERRUPTED_PREFIX) and stripped.endswith("]")):
        return False
    middle = stripped[len(_INTERRUPTED_PREFIX) : -1]
    return len(middle) <= 40 and "]" not in middle and "\n" not in middle


def classify(
    text: str | None,
    *,
    response: object = None,
    error: str | None = None,
    interrupted: bool = False,
    model: outcome_model.Model | None = None,
) -> Verdict:
    """Classify a subagent execution; never raises, whatever the argument types.

    ``text`` is the extracted result text, ``response`` the raw PostToolUse
    ``tool_response``, ``error``/``interrupted`` come from PostToolUseFailure;
    ``model`` replaces the shipped text model (for training and measuring).
    """
    settled = _signals(text, response, error, interrupted)
    if isinstance(settled, Verdict):
        return settled.by(RULES_VERSION)
    return judge_text(settled, model)


def _signals(
    text: str | None, response: object, error: str | None, interrupted: bool
) -> Verdict | str:
    """The verdict of the structured signals and error shapes, else the text to judge."""
    if _truthy(interrupted):
        return Verdict(UNKNOWN, "interrupted before finishing")
    if error is not None:
        detail = _first_line(error)
        reason = f"tool call failed: {detail}" if detail else "tool call failed"
        return Verdict(FAILURE, reason, TOOL_ERROR)
    try:
        verdict = _from_response(response)
    except Exception:  # a hostile object in the payload must not break the hook
        verdict = None
    if verdict is not None:
        return verdict

    body = _as_text(text)
    if body is None and text is None:
        try:
            body = _text_from_response(response)
        except Exception:
            body = None
    stripped = (body or "").strip()
    if not stripped:
        return Verdict(UNKNOWN, "empty result")
    if _is_interrupt_notice(stripped):
        return Verdict(UNKNOWN, "interrupted before finishing")
    return _from_error_text(body, stripped) or _from_marker(stripped) or stripped


def _from_marker(text: str) -> Verdict | None:
    """A status the report states about itself at the start of a line, at its edges."""
    edges = text if len(text) <= 1200 else f"{text[:600]}\n{text[-600:]}"
    m = _MARKER.search(edges)
    if m is None:
        return None
    word = (m.group(1) or m.group(2)).lower()
    kind = _MARKER_KINDS.get(word.split()[0], "unable")
    return Verdict(FAILURE, f"report marks itself {word}: '{_short(m.group(0))}'", kind)


# Verdicts of the shipped model judged ahead (by bulk's or backfill's worker processes):
# text -> verdict.
_AHEAD = lending.Lent()


def judge_ahead(texts: Iterable[str | None]) -> dict[str, Verdict]:
    """The text model's verdicts on the texts that :func:`classify` would hand to it, keyed
    by that text; another process can judge them and :func:`judged` lends them here.

    A text this process judged ahead before (the same report in another file, a forked
    session's copy) is not judged again: the shipped model is the same all along."""
    found: dict[str, Verdict] = {}
    earlier = _judged_before()
    for text in texts:
        settled = _signals(text, None, None, False)
        if isinstance(settled, str) and settled not in found:
            verdict = earlier.get(settled)
            if verdict is None:
                verdict = judge_text(settled)
                if len(earlier) >= JUDGED_AHEAD_KEPT:
                    earlier.clear()
                earlier[settled] = verdict
            found[settled] = verdict
    return found


# The verdicts judge_ahead gave in this process with the shipped model, by text (at most
# JUDGED_AHEAD_KEPT): (the model they are of, verdicts).
JUDGED_AHEAD_KEPT = 4096
_JUDGED_AHEAD: list = [None, {}]


def _judged_before() -> dict[str, Verdict]:
    """The verdicts judge_ahead gave before with the model :func:`judge_text` uses now; an
    empty dictionary to fill when that is another model, and one left unkept when there is
    no model or verdicts are lent (those are not judged here)."""
    try:
        model = outcome_model.model()
    except (OSError, ValueError, KeyError):
        return {}
    if _AHEAD.lending():
        return {}
    if _JUDGED_AHEAD[0] is not model:
        _JUDGED_AHEAD[:] = [model, {}]
    return _JUDGED_AHEAD[1]


def judged(verdicts: dict[str, Verdict]) -> AbstractContextManager[None]:
    """Within the block, :func:`judge_text` answers a text of ``verdicts`` from there
    (the dictionary may grow meanwhile)."""
    return _AHEAD.within(verdicts)


def judge_text(text: str, model: outcome_model.Model | None = None) -> Verdict:
    """The trained model's verdict on a report, with the phrases that decided it.

    Learning markers (``[LEARNED:domain] ...``) are left out: they are advice for later
    tasks, not what the report says of this one.
    """
    if model is None:
        ahead = _AHEAD.get(text)
        if ahead is not None:
            return ahead
    text = learnings.without_markers(text)
    too_short = Verdict(UNKNOWN, "too short to judge", None, RULES_VERSION)
    try:
        m = model or outcome_model.model()
    except (OSError, ValueError, KeyError) as exc:  # a broken install must not stop recording
        if _too_short(text):
            return too_short
        reason = f"text model unavailable: {type(exc).__name__}"
        return Verdict(UNKNOWN, reason, None, RULES_VERSION)
    features = outcome_model.Features(text, m.bits)
    if features.words < MIN_WORDS and _too_short(text):  # the words counted are the same
        return too_short  # unless the text is long: then all of it is counted
    judge = f"{RULES_VERSION}+{m.version}"
    p, said = m.judge(features)
    if m.unknown_below < p < m.threshold:
        return Verdict(UNKNOWN, f"too vague to judge (p(failure)={p:.2f})", None, judge)
    failed = p >= m.threshold
    # a failure's reason draws also on its sentence the sentence model scores highest
    top = max(range(len(said)), key=said.__getitem__) if failed and said else None
    phrases = m.phrases(features, failed, sentence=top)
    said = ", ".join(f"'{outcome_model.shown(phrase)}'" for phrase in phrases)
    if not failed:
        return Verdict(SUCCESS, f"reads as done (p(failure)={p:.2f}): {said}", None, judge)
    kind = m.kind(features)
    reason = f"reads as {kind} (p(failure)={p:.2f}): {said}"
    quoted = sentence_saying(text, phrases)
    if quoted:
        reason += f" \u2014 \u201c{quoted}\u201d"
    return Verdict(FAILURE, reason, kind, judge)


def _too_short(text: str) -> bool:
    return len(outcome_model.words(text)) < MIN_WORDS


def sentence_saying(text: str, phrases: list[str]) -> str | None:
    """The report's sentence holding the strongest deciding phrase (closing ones first),
    shortened: what a person reads to see why the report counts as a failure."""
    sentences = [s for s in _SENTENCE.split(text[-6000:]) if s.strip()]
    spoken: dict[int, str] = {}  # each sentence's words, read once, when first looked at
    for phrase in phrases:
        for i in reversed(range(len(sentences))):
            said = spoken.get(i)
            if said is None:
                said = spoken[i] = f" {' '.join(outcome_model.words(sentences[i]))} "
            if f" {phrase} " in said:
                return _short(sentences[i])
    return None
