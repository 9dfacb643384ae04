"""The labelled corpus, the shipped text model, and verdicts through the real hook."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from conftest import event, post, query, run_cli, settle, task_input

from recorder.derive import outcome, outcome_model

CORPUS = Path(__file__).parent / "outcomes" / "corpus.jsonl"
ROWS = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
KINDS = {"needs_input", "blocked", "incomplete", "unable", "wrong_target", "tool_error"}


def split(name: str) -> list[dict]:
    return [r for r in ROWS if r["split"] == name]


def node(db: Path, tool_use_id: str) -> dict:
    return query(db, "SELECT * FROM node_executions WHERE tool_use_id = ?", (tool_use_id,))[0]


# -- the corpus --------------------------------------------------------------------------


def test_corpus_is_large_varied_and_labelled() -> None:
    assert len(ROWS) >= 1500
    for row in ROWS:
        assert row["label"] in ("success", "failure")
        assert (row["failure_kind"] in KINDS) == (row["label"] == "failure"), row["note"]
        assert row["text"].strip() and row["split"] in ("train", "dev", "test")
    lengths = sorted(len(r["text"]) for r in ROWS)
    assert lengths[0] < 60 and lengths[-1] > 4000
    assert len({r["task_kind"] for r in ROWS if r["task_kind"]}) >= 25
    for label in ("success", "failure"):
        share = sum(r["label"] == label for r in ROWS) / len(ROWS)
        assert 0.35 < share < 0.65
    assert {r["failure_kind"] for r in split("test") if r["failure_kind"]} == KINDS
    assert any(r["source"] == "real" for r in ROWS)


def test_splits_share_no_report() -> None:
    seen: dict[str, str] = {}
    for row in ROWS:
        key = " ".join(row["text"].lower().split())
        assert seen.setdefault(key, row["split"]) == row["split"]
    assert len(seen) == len(ROWS)  # no duplicates at all


def test_failures_without_the_word_fail_are_in_the_test_split() -> None:
    quiet = [
        r for r in split("test") if r["label"] == "failure" and "fail" not in r["text"].lower()
    ]
    assert len(quiet) >= 100


# -- the shipped model -------------------------------------------------------------------


def test_shipped_model_reproduces_its_benchmark_on_test() -> None:
    """The weights in the package give exactly the numbers benchmarks/outcome.py printed."""
    model = outcome_model.Model.load()
    rows = split("test")
    verdicts = [outcome.classify(r["text"], model=model).outcome for r in rows]
    tp = sum(
        r["label"] == "failure" and v == "failure" for r, v in zip(rows, verdicts, strict=True)
    )
    fp = sum(
        r["label"] == "success" and v == "failure" for r, v in zip(rows, verdicts, strict=True)
    )
    fn = sum(
        r["label"] == "failure" and v != "failure" for r, v in zip(rows, verdicts, strict=True)
    )
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    shipped = model.benchmark["test"]
    assert shipped["n"] == len(rows)
    assert (round(precision, 4), round(recall, 4), round(f1, 4)) == (
        shipped["precision"],
        shipped["recall"],
        shipped["f1"],
    )


def test_verdicts_are_deterministic_and_explained() -> None:
    for row in split("dev")[:60]:
        first, second = outcome.classify(row["text"]), outcome.classify(row["text"])
        assert first == second
        assert first.reason and "\n" not in first.reason and len(first.reason) < 300
        assert (first.failure_kind is not None) == (first.outcome == "failure")
        assert first.judged_by.startswith("rules-4")


def test_missing_model_file_leaves_text_unknown(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        outcome_model.Model.load(tmp_path / "absent.json")


# -- structured signals come first --------------------------------------------------------


@pytest.mark.parametrize(
    "response,kind",
    [
        ({"status": "killed", "content": []}, "cancelled"),
        ({"status": "error", "content": []}, "tool_error"),
        ({"status": "completed", "is_error": True, "content": []}, "tool_error"),
        ({"status": "completed", "error": "agent crashed"}, "tool_error"),
    ],
)
def test_structured_failures_win_over_a_successful_text(response, kind) -> None:
    text = "All done: the endpoint is added and its five tests pass."
    verdict = outcome.classify(text, response=response)
    assert verdict[:1] + verdict[2:] == ("failure", kind, "rules-4")


def test_failure_event_and_interrupt_through_the_hook(db, hook) -> None:
    hook(
        event(
            "PostToolUseFailure",
            tool_name="Agent",
            tool_use_id="toolu_err",
            tool_input=task_input(),
            error="API Error: 529 overloaded",
            is_interrupt=False,
        )
    )
    hook(
        event(
            "PostToolUseFailure",
            tool_name="Agent",
            tool_use_id="toolu_int",
            tool_input=task_input(),
            error="User interrupted",
            is_interrupt=True,
        )
    )
    failed, interrupted = node(db, "toolu_err"), node(db, "toolu_int")
    assert (failed["status"], failed["outcome"], failed["failure_kind"]) == (
        "failed",
        "failure",
        "tool_error",
    )
    assert failed["outcome_classifier"] == "rules-4"
    assert (interrupted["status"], interrupted["outcome"]) == ("cancelled", "unknown")
    assert interrupted["failure_kind"] is None


def test_a_sample_of_the_corpus_through_the_real_hook(db, hook) -> None:
    """Test-split reports both ways, as PostToolUse results: the row has the verdict."""
    rng = random.Random(13)
    sample = rng.sample([r for r in split("test") if r["label"] == "failure"], 8)
    sample += rng.sample([r for r in split("test") if r["label"] == "success"], 8)
    version = outcome_model.model().version
    agreed = 0
    for i, row in enumerate(sample):
        hook(post(f"toolu_c{i}", text=row["text"]))
        got = node(db, f"toolu_c{i}")
        expected = outcome.classify(row["text"])
        assert (got["outcome"], got["outcome_reason"], got["failure_kind"]) == expected[:3]
        assert got["status"] == ("failed" if expected.outcome == "failure" else "completed")
        assert got["outcome_classifier"] in ("rules-4", f"rules-4+{version}")
        agreed += got["outcome"] == row["label"]
    # the model's accuracy is measured by the benchmark; here: most land as labelled
    assert agreed >= 10, f"only {agreed} of 16 sampled reports judged as labelled"


def test_rebuild_brings_the_current_verdicts_to_old_history(db, hook) -> None:
    """A node an older classifier judged gets today's verdict, and its version, on rebuild."""
    report = next(r for r in split("test") if r["label"] == "failure" and len(r["text"]) > 200)
    hook(post("toolu_old", text=report["text"]))
    settle(db)
    current = node(db, "toolu_old")
    with sqlite3.connect(db) as conn:  # as an earlier release judged it
        conn.execute(
            "UPDATE node_executions SET outcome = 'success', outcome_reason = NULL, "
            "failure_kind = NULL, status = 'completed', outcome_classifier = 'rules-1' "
            "WHERE tool_use_id = 'toolu_old'"
        )
    result = run_cli("rebuild", "--db", str(db))
    assert result.returncode == 0, result.stderr
    rebuilt = node(db, "toolu_old")
    columns = ("outcome", "outcome_reason", "failure_kind", "status", "outcome_classifier")
    assert [rebuilt[c] for c in columns] == [current[c] for c in columns]
    assert rebuilt["outcome_classifier"] == f"rules-4+{outcome_model.model().version}"
