"""Classify a finished subagent execution as success, failure or unknown.

Imported by the hook process, so this module uses only ``re`` and ``typing``.
Structured signals (interrupt flag, PostToolUseFailure error, fields of the
raw ``tool_response``) are decided first; only then is the result text read.
Text rules look where verdicts are written -- the opening and the closing of
a report -- not at every mention of an error in the middle of a long one.
"""

from __future__ import annotations

import re


class Verdict(tuple):
    """The outcome ("success", "failure" or "unknown") and a short reason.

    A plain tuple subclass: typing.NamedTuple or collections.namedtuple would cost
    the hook process an import or a code generation on every run.
    """

    __slots__ = ()

    def __new__(cls, outcome: str, reason: str) -> Verdict:
        return tuple.__new__(cls, (outcome, reason))

    @property
    def outcome(self) -> str:
        return self[0]

    @property
    def reason(self) -> str:
        return self[1]


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

HEAD_CHARS = 400  # the opening of a report, where a verdict is often stated
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
_PENDING_STATUSES = frozenset({"running", "pending", "queued", "in_progress", "started"})

_A = "['\u2019]"  # straight or typographic apostrophe

_VERBS = (
    r"(?:complete|finish|access|locate|find|fix|resolve|implement|perform|accomplish|proceed"
    r"|continue|do|get|make|open|read|reach|connect|obtain|retrieve|determine|identify|apply"
    r"|execute|finali[sz]e|deliver|produce|write|create|install|authenticate|load|help|assist"
    r"|comply|fulfil|fulfill|modify|edit|provide|clone|fetch|download|push|start)"
)

# Searched in the opening and the closing of the result; the first match not excused
# by _EXEMPTIONS decides.
# Failure rules: (pattern, reason, trigger words). A rule is tried only when one of its
# trigger words is in the part of the text read (lower-case words are looked for with
# case and whitespace folded, upper-case ones as written), so a report compiles just
# the patterns it could match.
_RULES: tuple[tuple[_LazyPattern, str, tuple[str, ...]], ...] = (
    (
        _LazyPattern(
            rf"\bI(?:\s+(?:was|am)|{_A}m)\s+(?:unable|not\s+able)\s+to\b"
            rf"|\bI\s+(?:wasn{_A}t|was\s+not)\s+able\s+to\b",
            re.I,
        ),
        "subagent reported it was unable to finish",
        ("unable", "not able", "n't able", "n\u2019t able"),
    ),
    (
        _LazyPattern(
            rf"\bI\s+(?:could\s*not|couldn{_A}t|did\s+not\s+manage\s+to|didn{_A}t\s+manage\s+to"
            rf"|cannot|can\s+not|can{_A}t)\s+(?:fully\s+|successfully\s+)?{_VERBS}\b",
            re.I,
        ),
        "subagent reported it could not do the job",
        ("could", "cannot", "can not", "can't", "can\u2019t", "manage"),
    ),
    (
        _LazyPattern(
            rf"\bI\s+(?:do\s+not|don{_A}t)\s+have\s+(?:the\s+)?(?:necessary\s+|required\s+)?"
            r"(?:access|permissions?|credentials)\b",
            re.I,
        ),
        "subagent reported it lacks access",
        ("not have", "n't have", "n\u2019t have"),
    ),
    (
        _LazyPattern(r"^[^\w\n]{0,8}(?:BLOCKED|FAILED|FAILURE|ABORTED)[^\w\n]{0,4}:", re.M),
        "subagent marked its result as failed",
        ("BLOCKED", "FAILED", "FAILURE", "ABORTED"),  # upper case: matched as written
    ),
    (
        _LazyPattern(
            r"^[^\w\n]{0,8}(?:final\s+|overall\s+)?(?:status|result|outcome|verdict)[^\w\n]{0,4}"
            r"[:=][^\w\n]{0,8}(?:blocked|failed|failure|fail|incomplete|not\s+(?:completed|done)"
            r"|aborted|unsuccessful)\b",
            re.I | re.M,
        ),
        "subagent reported a failed status",
        ("status", "result", "outcome", "verdict"),
    ),
    (
        _LazyPattern(
            r"\b(?:task|subtask|assignment)\s+(?:has\s+|was\s+)?(?:failed"
            r"|(?:was\s+)?not\s+completed|is\s+incomplete|is\s+blocked"
            r"|remains\s+(?:incomplete|unfinished|blocked))\b"
            rf"|\b(?:could\s+not|couldn{_A}t|cannot)\s+be\s+(?:completed|finished|accomplished)\b",
            re.I,
        ),
        "subagent reported the task failed",
        ("task", "assignment", "be completed", "be finished", "be accomplished"),
    ),
    (
        _LazyPattern(
            r"\b(?:unable|not\s+able)\s+to\s+(?:complete|finish|proceed|continue|accomplish)\b"
            r"|\bI\s+(?:gave|have\s+given|am\s+giving|had\s+to\s+give)\s+up\b",
            re.I,
        ),
        "subagent reported it could not finish",
        ("unable", "not able", "gave up", "given up", "giving up", "give up"),
    ),
)

# Exemptions: a failure match is ignored when its sentence also matches one of these.
_EXEMPTIONS: tuple[tuple[_LazyPattern, str], ...] = (
    (_LazyPattern(r"\breproduc", re.I), "could not reproduce a problem"),
    (
        _LazyPattern(
            r"\b(?:find|found|see|spot|identify|detect|locate|notice)\s+"
            r"(?:any|anything|a\s+single|no|nothing)\b",
            re.I,
        ),
        "found nothing wrong",
    ),
    (
        _LazyPattern(
            r"\b(?:fixed|resolved|now\s+(?:pass(?:es|ing)?|works?|succeeds?|green)|no\s+longer"
            r"|before\s+(?:my|the|this)\s+(?:change|fix|patch)|previously|initially|at\s+first"
            r"|was\s+failing)\b",
            re.I,
        ),
        "a problem that was since fixed",
    ),
    (_LazyPattern(r"\b(?:if|unless|whether|when)\s+I\b", re.I), "hypothetical"),
    (
        _LazyPattern(
            r"\b(?:why|how|when|where)\s+(?:the|this|a|its|our)\s+[\w-]+\s+\w*\s*failed\b", re.I
        ),
        "explains a past failure",
    ),
    (_LazyPattern(r"\bFAILED\W{0,4}(?:0|none)\b", re.I), "zero failures"),
    (_LazyPattern(r"(?:^|\s|\()[`\"\u201c]I\b"), "quoted text, not the subagent speaking"),
)

_SENTENCE_END = _LazyPattern(r"[.!?](?=\s|$)|\n")
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
    r"|[^\w\n]{0,3}(?:prompt\s+is\s+too\s+long|credit\s+balance\s+is\s+too\s+low"
    r"|(?:[\w ]{0,30}?\s)?usage\s+limit\s+reached|rate\s+limit(?:ed)?\b|request\s+timed\s+out)",
    re.I,
)
_INTERRUPTED_PREFIX = "[Request interrupted by user"
_WS = _LazyPattern(r"\s+")


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
            return Verdict(FAILURE, "tool_response.is_error is set")
        if _has_value(response.get("error")):
            detail = _first_line(response["error"]) or "(no message)"
            return Verdict(FAILURE, f"tool_response.error: {detail}")
        status = response.get("status")
        status = status.strip().lower() if isinstance(status, str) else ""
        if status in _FAILED_STATUSES:
            return Verdict(FAILURE, f"tool_response.status is {status!r}")
        content = response.get("content")
        blocks = content if isinstance(content, list) else None
    for block in blocks or ():
        if isinstance(block, dict) and _truthy(block.get("is_error")):
            detail = _first_line(block.get("text") or block.get("content") or "")
            reason = "tool_response content block has is_error"
            return Verdict(FAILURE, f"{reason}: {detail}" if detail else reason)
    if isinstance(response, dict):
        if status == "interrupted":
            return Verdict(UNKNOWN, "interrupted before finishing")
        if status == "async_launched":
            return Verdict(UNKNOWN, "background subagent launched; result not yet known")
        if status in _PENDING_STATUSES:
            return Verdict(UNKNOWN, f"subagent still {status!r}; result not yet known")
    return None


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end], bounded to a couple of hundred chars."""
    left = text[max(0, start - 200) : start]
    cut = 0
    for m in _SENTENCE_END.finditer(left):
        cut = m.end()
    right = text[end : end + 200]
    m = _SENTENCE_END.search(right)
    return left[cut:] + text[start:end] + (right[: m.start()] if m else right)


def _windows(n: int) -> list[tuple[int, int]]:
    """(pos, endpos) ranges covering the opening and the closing of a text."""
    if n <= HEAD_CHARS + TAIL_CHARS:
        return [(0, n)]
    return [(0, HEAD_CHARS + 100), (n - TAIL_CHARS, n)]


def _from_rules(text: str) -> Verdict | None:
    """First failure rule matching in the opening or closing, unless exempted."""
    for pos, endpos in _windows(len(text)):
        window = text[pos:endpos]
        folded = _fold(window)
        for pattern, reason, triggers in _RULES:
            if not any(t in (window if t.isupper() else folded) for t in triggers):
                continue
            for m in pattern.finditer(text, pos, endpos):
                sentence = _sentence(text, m.start(), m.end())
                if any(ex.search(sentence) for ex, _ in _EXEMPTIONS):
                    continue
                quote = _short(text[m.start() : m.start() + 400].split("\n", 1)[0])
                return Verdict(FAILURE, f"{reason}: '{quote}'")
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
        return Verdict(FAILURE, f"result ends in a Python traceback: '{_short(last)}'")
    if len(stripped) <= ERROR_ONLY_MAX and _ERROR_ONLY.match(stripped):
        return Verdict(FAILURE, f"result is only an error message: '{_short(stripped)}'")
    return None


def _is_interrupt_notice(stripped: str) -> bool:
    """Whether the whole result is Claude Code's "[Request interrupted by user…]" notice."""
    if not (stripped.startswith(_INTERRUPTED_PREFIX) and stripped.endswith("]")):
        return False
    middle = stripped[len(_INTERRUPTED_PREFIX) : -1]
    return len(middle) <= 40 and "]" not in middle and "\n" not in middle


def _fold(text: str) -> str:
    """Lower case with runs of whitespace folded to one space, for trigger words."""
    return " ".join(text.lower().split())


def classify(
    text: str | None,
    *,
    response: object = None,
    error: str | None = None,
    interrupted: bool = False,
) -> Verdict:
    """Classify a subagent execution; never raises, whatever the argument types.

    ``text`` is the extracted result text, ``response`` the raw PostToolUse
    ``tool_response``, ``error``/``interrupted`` come from PostToolUseFailure.
    """
    if _truthy(interrupted):
        return Verdict(UNKNOWN, "interrupted before finishing")
    if error is not None:
        detail = _first_line(error)
        return Verdict(FAILURE, f"tool call failed: {detail}" if detail else "tool call failed")
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
    return (
        _from_error_text(body, stripped)
        or _from_rules(body)
        or Verdict(SUCCESS, "completed without failure signals")
    )
