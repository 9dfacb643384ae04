"""The recorder's own hook implementations, as pluggy sees them.

With no third-party plugin installed, ``plugin_calls`` calls the same functions
directly; registered here they answer after every plugin (outcome) or before
(redaction), and ``agent-runs plugins`` lists them.
"""

from __future__ import annotations

from recorder.derive.outcome import Verdict, classify
from recorder.hookspecs import hookimpl
from recorder.redaction.configured import redact_text as builtin_redact_text


@hookimpl(trylast=True)
def classify_outcome(
    text: str | None, response: object, error: str | None, interrupted: bool
) -> Verdict:
    """The built-in classifier: structured signals first, then the text model (outcome.py)."""
    return classify(text, response=response, error=error, interrupted=interrupted)


@hookimpl(tryfirst=True)
def redact_text(text: str) -> str:
    """The built-in secret patterns and the user's pattern file (redaction.py)."""
    return builtin_redact_text(text)
