"""Trigger words only skip rules that could not match: same verdicts as trying every rule."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from recorder.derive import outcome

PHRASES = [
    "I was unable to",
    "I'm not able to",
    "I wasn\u2019t able to",
    "I could not complete",
    "I couldn't access",
    "I cannot proceed",
    "I can't fix",
    "I did not manage to finish",
    "I don't have access",
    "I do not have the necessary permissions",
    "BLOCKED:",
    "FAILED:",
    "ABORTED :",
    "Status: BLOCKED",
    "**Result:** failure",
    "Outcome = incomplete",
    "Verdict: not completed",
    "The task failed",
    "subtask was not completed",
    "assignment is blocked",
    "could not be completed",
    "cannot be finished",
    "unable to continue",
    "I gave up",
    "I had to give up",
    "fixed",
    "previously",
    "if I",
    "Traceback (most recent call last):",
    'File "x.py", line 3',
    "ValueError: bad",
    "Error: ENOENT",
    "no errors found",
    "all tests pass",
    "\n",
    " ",
    ". ",
    "`",
    "\u201c",
]


def verdict_trying_every_rule(text: str):
    rules = outcome._RULES
    outcome._RULES = tuple((p, r, ("",)) for p, r, _ in rules)
    try:
        return outcome.classify(text)
    finally:
        outcome._RULES = rules


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PHRASES), st.text(max_size=20)), max_size=10))
def test_triggers_never_change_a_verdict(parts):
    text = "".join(parts)
    assert outcome.classify(text) == verdict_trying_every_rule(text)
