"""Tests for recorder.derive.outcome: structured signals first, then the result text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recorder.derive import outcome_model
from recorder.derive.outcome import (
    FAILURE_KINDS,
    Verdict,
    classify,
    judge_text,
    sentence_saying,
)
from recorder.derive.outcome_model import words

# The labelled reports the old text rules were tested with are now part of the corpus
# (tests/outcomes/legacy.jsonl); the text model is measured on the whole corpus in
# test_outcome_corpus.py.

UNKNOWNS = [
    ("empty-string", ""),
    ("whitespace-only", "   \n\t  \n"),
    ("none-text", None),
    ("interrupted-marker", "[Request interrupted by user for tool use]"),
]


@pytest.mark.parametrize("text", [t for _, t in UNKNOWNS], ids=[i for i, _ in UNKNOWNS])
def test_nothing_to_judge_is_unknown(text: str | None) -> None:
    verdict = classify(text)
    assert isinstance(verdict, Verdict)
    assert verdict.outcome == "unknown", verdict.reason
    assert verdict.failure_kind is None
    assert verdict.judged_by == "rules-4"


def test_failure_reason_quotes_the_deciding_phrases() -> None:
    text = "I was unable to open the spreadsheet; it is password protected."
    verdict = classify(text)
    assert verdict.outcome == "failure"
    assert verdict.failure_kind in FAILURE_KINDS
    assert verdict.reason.startswith(f"reads as {verdict.failure_kind} (p(failure)=")
    phrases, sentence = verdict.reason.split(": ", 1)[1].split(" \u2014 ")
    quoted = [p.strip("'") for p in phrases.split("', '")]
    assert quoted and all(p in " ".join(words(text)) for p in quoted), quoted
    assert verdict.judged_by.startswith("rules-4+lr-")


def test_reasons_quote_phrases_a_person_can_read() -> None:
    """A file extension, a letter or "now" alone explains nothing: the reason skips them."""
    report = (
        "Moved the CI matrix to the native parallel manual runners in ci/k8s.py and "
        "ci/build.js; the jobs now take 6 minutes instead of 14. Summary: the runners "
        "infra is ready for the monorepo story, but caching is not set up yet, I ran out "
        "of time."  # a verdict, not "too vague": a reason with phrases to read
    )
    reason = classify(report).reason
    quoted = reason.split("): ", 1)[1].split(" \u2014 ")[0]
    phrases = [p.strip("'") for p in quoted.split("', '")]
    assert phrases and not {"py", "js", "k", "now", "ci", "the", "summary"} & set(phrases)


def corpus_rows(split: str) -> list[dict]:
    with (Path(__file__).parent / "outcomes" / "corpus.jsonl").open(encoding="utf-8") as f:
        return [row for row in map(json.loads, f) if row.get("split") == split]


def test_a_number_in_a_quoted_phrase_reads_as_a_number_not_zero() -> None:
    """The model reads every number as one token; a reason shows it as "#", never as a 0
    the report did not say ("found 3 call sites" quoted as "found 0" misleads)."""
    report = "Checked 14 endpoints; 0 errors. Found 3 call sites and 12 more in tests."
    verdict = classify(report)
    quoted = verdict.reason.split("): ", 1)[1]
    assert "#" in quoted and not any(w == "0" for w in quoted.replace("'", " ").split())
    # a failure's reason quotes the sentence that holds its strongest phrase, also when
    # that phrase has a number in it
    checked = 0
    for text in (row["text"] for row in corpus_rows("train") if len(row["text"]) < 400):
        verdict = judge_text(text)
        if verdict.outcome != "failure":
            continue
        first = verdict.reason.split("): ", 1)[1].split("', '")[0].strip("'")
        if "#" not in first.split(" \u2014 ")[0]:
            continue
        expected = sentence_saying(text, [first.split(" \u2014 ")[0].replace("#", "0")])
        if expected is None:
            continue  # the phrase runs across two sentences: the next phrase's is quoted
        assert f"\u201c{expected}\u201d" in verdict.reason, verdict.reason
        checked += 1
    assert checked >= 5


def test_failure_reason_quotes_the_sentence_that_decided() -> None:
    """A person reads the report's own sentence, the one holding the strongest phrase."""
    opening = "Reviewed the ingestion job and its three schedules; the cron entries are fine."
    closing = "I could not push the fix: access to the repository was denied."
    verdict = classify(f"{opening}\n\n{closing} Everything else is unchanged.")
    assert verdict.outcome == "failure"
    assert verdict.reason.endswith(f"\u2014 \u201c{closing}\u201d")


def test_too_short_to_judge() -> None:
    verdict = classify("Done.")
    assert verdict[:3] == ("unknown", "too short to judge", None)


def test_traceback_reason_names_the_exception() -> None:
    text = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad input'
    verdict = classify(text)
    reason = "result ends in a Python traceback: 'ValueError: bad input'"
    assert verdict[:3] == ("failure", reason, "tool_error")


@pytest.mark.parametrize(
    "text",
    [
        "bash: ./scripts/backfill.sh: Permission denied",
        "cat: /var/log/app/worker.log: No such file or directory\n",
        "zsh: command not found: terraform",
        "<tool_use_error>String to replace not found in file.</tool_use_error>",
    ],
)
def test_shell_and_tool_errors_alone_are_tool_errors(text: str) -> None:
    verdict = classify(text)
    assert verdict[:1] + verdict[2:] == ("failure", "tool_error", "rules-4")
    assert verdict.reason.startswith("result is only an error message: ")


@pytest.mark.parametrize(
    "text",
    [
        "Summary: fixed the Permission denied errors in the deploy script; it runs again.",
        "Fixed: the job: Permission denied was a missing chmod, now added and verified.",
    ],
)
def test_reports_about_shell_errors_are_not_error_dumps(text: str) -> None:
    assert classify(text).outcome == "success"


def test_success_reason() -> None:
    verdict = classify("All done: the endpoint is added and its five tests pass.")
    assert verdict.outcome == "success"
    assert verdict.failure_kind is None
    assert verdict.reason.startswith("reads as done (p(failure)=")


def test_empty_reason() -> None:
    assert classify("  ")[:2] == ("unknown", "empty result")


# --------------------------------------------------------------------------------------
# Structured signals
# --------------------------------------------------------------------------------------


def test_interrupted_wins_over_everything() -> None:
    verdict = classify("Error: boom", error="Interrupted", interrupted=True)
    assert verdict[:2] == ("unknown", "interrupted before finishing")


def test_error_string_is_failure_with_first_line() -> None:
    verdict = classify(None, error="\nAgent crashed: out of memory\n  at worker.js:12\n")
    assert verdict.outcome == "failure"
    assert "Agent crashed: out of memory" in verdict.reason
    assert "worker.js" not in verdict.reason


def test_error_beats_successful_text() -> None:
    assert classify("All tests pass.", error="Tool execution failed").outcome == "failure"


def test_empty_error_string_is_still_failure() -> None:
    assert classify("fine", error="")[:3] == ("failure", "tool call failed", "tool_error")


@pytest.mark.parametrize("flag", [True, 1, "true", "True"])
def test_response_is_error(flag: object) -> None:
    verdict = classify("Looks good.", response={"is_error": flag, "content": "x"})
    assert verdict.outcome == "failure"
    assert "is_error" in verdict.reason


@pytest.mark.parametrize("flag", [False, 0, "false", None, ""])
def test_response_is_error_false_values(flag: object) -> None:
    text = "Looks good: the migration ran and every table has its new column."
    assert classify(text, response={"is_error": flag}).outcome != "failure"


@pytest.mark.parametrize(
    "error,shown",
    [
        ("Subagent timed out after 600s", "Subagent timed out after 600s"),
        ({"message": "rate limited\nretry later"}, "rate limited"),
        (["boom"], "boom"),
    ],
)
def test_response_error_key(error: object, shown: str) -> None:
    verdict = classify("All tests pass.", response={"error": error})
    assert verdict.outcome == "failure"
    assert verdict.reason.startswith("tool_response.error")
    assert shown in verdict.reason


@pytest.mark.parametrize("empty", [None, "", "  ", [], {}, False])
def test_response_empty_error_key_is_ignored(empty: object) -> None:
    assert classify("All tests pass.", response={"error": empty}).outcome == "success"


@pytest.mark.parametrize(
    "status",
    ["error", "failed", "failure", "timeout", "killed", "cancelled", "Canceled", "ABORTED"],
)
def test_response_failure_status(status: str) -> None:
    verdict = classify("All tests pass.", response={"status": status})
    assert verdict.outcome == "failure"
    assert status.lower() in verdict.reason


def test_completed_status_still_runs_text_rules() -> None:
    done = "Done: the endpoint is added and its five tests pass."
    assert classify(done, response={"status": "completed"}).outcome == "success"
    verdict = classify("I was unable to finish.", response={"status": "completed"})
    assert verdict.outcome == "failure"


def test_async_launched_is_unknown() -> None:
    response = {"isAsync": True, "status": "async_launched", "agentId": "a1", "content": []}
    assert classify("Launched.", response=response)[:2] == (
        "unknown",
        "background subagent launched; result not yet known",
    )


def test_content_block_is_error() -> None:
    response = {
        "status": "completed",
        "content": [{"type": "text", "text": "Agent failed: model overloaded", "is_error": True}],
    }
    verdict = classify("All good", response=response)
    assert verdict.outcome == "failure"
    assert "is_error" in verdict.reason
    assert "model overloaded" in verdict.reason


def test_content_list_response_is_error() -> None:
    response = [{"type": "tool_result", "content": "boom", "is_error": True}]
    assert classify("fine", response=response).outcome == "failure"


def test_realistic_post_tool_use_response() -> None:
    response = {
        "status": "completed",
        "prompt": "Fix the flaky test",
        "agentId": "a7f3",
        "content": [{"type": "text", "text": "Fixed the flaky test; 50/50 runs pass."}],
        "totalDurationMs": 81234,
        "totalTokens": 40211,
        "totalToolUseCount": 17,
        "usage": {"input_tokens": 12, "output_tokens": 900},
    }
    assert classify("Fixed the flaky test; 50/50 runs pass.", response=response).outcome == (
        "success"
    )


def test_text_taken_from_response_when_not_given() -> None:
    ok = {"content": [{"type": "text", "text": "Refactor complete and all 212 tests pass."}]}
    bad = {"content": [{"type": "text", "text": "I was unable to access the repo."}]}
    assert classify(None, response=ok).outcome == "success"
    assert classify(None, response=bad).outcome == "failure"
    assert classify(None, response="BLOCKED: no credentials").outcome == "failure"
    assert classify(None, response={"content": []})[:2] == ("unknown", "empty result")


# --------------------------------------------------------------------------------------
# Robustness
# --------------------------------------------------------------------------------------


class _Hostile:
    def __str__(self) -> str:
        raise RuntimeError("no str for you")

    def __bool__(self) -> bool:
        raise RuntimeError("no bool for you")


JUNK = [
    42,
    3.5,
    b"Error: bytes",
    bytearray(b"x"),
    ["a", 1, None, {"is_error": "maybe"}],
    [[[{"content": [{"text": 5}]}]]],
    {"content": {"nested": ["junk"]}},
    {"content": [1, "two", None, {"type": "text", "text": None}]},
    {"status": 7, "is_error": [], "error": 0},
    {1: 2, None: "x", ("t",): object()},
    {"error": _Hostile()},
    {"content": [{"is_error": True, "text": _Hostile()}]},
    _Hostile(),
    object(),
    (),
    set(),
]


@pytest.mark.parametrize("response", JUNK, ids=lambda r: type(r).__name__)
@pytest.mark.parametrize("text", [None, "All tests pass.", b"bytes text", 17])
def test_junk_never_raises(response: object, text: object) -> None:
    verdict = classify(text, response=response)  # type: ignore[arg-type]
    assert verdict.outcome in {"success", "failure", "unknown"}
    assert isinstance(verdict.reason, str) and verdict.reason


def test_junk_error_and_interrupted_types() -> None:
    assert classify(None, error=123).outcome == "failure"  # type: ignore[arg-type]
    assert classify(None, error=_Hostile()).outcome == "failure"  # type: ignore[arg-type]
    done = "Added the index; the query now takes 4 ms and the tests pass."
    assert classify(done, interrupted="false").outcome == "success"  # type: ignore[arg-type]
    assert classify(done, interrupted=None).outcome == "success"  # type: ignore[arg-type]


def test_large_report_is_classified_from_its_edges() -> None:
    middle = "I was unable to " + "a" * 50 + " (((( Traceback "
    filler = "Checked module and updated its tests; everything matched the spec. " * 7000
    text = "## Summary\n\nAll done.\n\n" + filler + middle * 2000 + filler + "\n\nAll tests pass."
    assert len(text) > 1_000_000
    assert classify(text).outcome == "success"
    assert classify(text + "\n\nBLOCKED: could not push the branch.").outcome == "failure"
    assert classify("BLOCKED: could not push the branch.\n\n" + text).outcome == "failure"


@pytest.mark.parametrize(
    "text",
    [
        "I " * 600_000,
        "a." * 600_000,
        "Error" * 250_000,
        "x" * 1_000_000 + "\nValueError: y",
        'File "a", line 1\n' * 60_000 + "A" * 1000 + "Error",
        "\n" * 1_000_000,
        "." * 1_000_000,
    ],
    ids=["I-words", "dots", "error-word", "long-line", "frames", "newlines", "periods"],
)
def test_pathological_inputs(text: str) -> None:
    assert classify(text).outcome in {"success", "failure", "unknown"}


def test_learning_markers_are_not_the_verdict() -> None:
    """ELF's ``[LEARNED:domain]`` lines advise later tasks; the report is what precedes them."""
    report = "Renamed the helper and updated all 12 call sites; the suite passes."
    advice = "\n[LEARNED:db] Never run two migrations at once\n[LEARNING:api] Sandbox: 10 rps"
    assert classify(report + advice) == classify(report)
    assert classify("Done." + advice)[:3] == ("unknown", "too short to judge", None)


def test_a_broken_model_still_tells_too_short_from_unjudged(monkeypatch) -> None:
    """Without the text model a report of a word or two is still "too short"; a longer
    one says the model is missing, never a verdict."""

    def missing() -> None:
        raise OSError("outcome_model.json is gone")

    monkeypatch.setattr(outcome_model, "model", missing)
    assert judge_text("Done.")[:3] == ("unknown", "too short to judge", None)
    longer = judge_text("I could not finish the migration: the database was locked.")
    assert longer[:3] == ("unknown", "text model unavailable: OSError", None)


def test_a_long_report_counts_its_words_whole() -> None:
    """The model reads a long report's opening and closing only; whether it is too short
    to judge is told by all of it (here its only words are in the middle)."""
    rule = "=" * 120 + "\n"
    text = rule * 30 + "I could not finish the migration; the schema is still broken.\n" + rule * 60
    assert len(text) > outcome_model.KEEP_HEAD + outcome_model.KEEP_TAIL
    assert judge_text(text).reason != "too short to judge"
