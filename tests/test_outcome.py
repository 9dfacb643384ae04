"""Tests for recorder.derive.outcome: structured signals first, then the result text."""

from __future__ import annotations

import pytest

from recorder.derive.outcome import Verdict, classify

# --------------------------------------------------------------------------------------
# Labelled realistic subagent results: (label, text, expected outcome)
# --------------------------------------------------------------------------------------

FAILURES = [
    (
        "unable-db-access",
        "I was unable to complete the migration. The staging database at db.internal:5432 "
        "refused connections from this sandbox, so none of the schema changes were applied.\n\n"
        "## What I tried\n- `psql -h db.internal` → connection refused\n- checked VPN config\n",
    ),
    (
        "im-unable-no-repo",
        "I'm unable to find the repository you mentioned (`acme/billing-service`). "
        "It is not in the workspace and I have no network access to clone it.",
    ),
    (
        "am-not-able-permissions",
        "I am not able to write to `/etc/nginx/sites-enabled/` — every attempt returns "
        "`Permission denied`. The config change is prepared in `nginx.conf.new` but not installed.",
    ),
    (
        "couldnt-complete-refactor",
        "## Summary\n\nI couldn't complete the refactor of `auth/session.py`. The module has "
        "circular imports with `auth/tokens.py` that break as soon as `SessionStore` moves.\n\n"
        "### Partial progress\n- Extracted `TokenCodec` (done)\n"
        "- Moving `SessionStore` (reverted)\n",
    ),
    (
        "could-not-access-api",
        "Research summary\n================\n\nI could not access the Stripe API documentation "
        "pages from this environment (all requests time out), so the comparison table below is "
        "empty.\n\n| Feature | Stripe | Adyen |\n|---|---|---|\n",
    ),
    (
        "cannot-proceed",
        "I cannot proceed without the `AWS_PROFILE` credentials for the prod account. "
        "Please provide them or run the deploy yourself.",
    ),
    (
        "cant-modify-readonly",
        "I can't modify `vendor/lib.go` because the directory is mounted read-only in this "
        "container.\n\nSuggested patch:\n```diff\n- return nil\n+ return err\n```\n",
    ),
    (
        "wasnt-able-to",
        "I wasn't able to get the e2e suite running: Playwright cannot download Chromium "
        "behind the proxy, and no browser is installed locally.",
    ),
    (
        "typographic-apostrophe",
        "I couldn\u2019t finish the documentation update — the `docs/` folder uses a custom "
        "Sphinx extension that is missing from requirements.",
    ),
    (
        "blocked-marker",
        "BLOCKED: the task requires a GitHub token with `repo` scope and none is configured.\n\n"
        "Everything else (branch, commit message, changelog entry) is ready.",
    ),
    (
        "status-blocked-bold",
        "## Report\n\n**Status:** BLOCKED\n\nThe feature flag service returns 403 for every "
        "request from CI, so the rollout script could not be tested.",
    ),
    (
        "failed-marker-end",
        "Worked through the checklist:\n\n1. Updated `package.json` versions\n2. Ran `npm "
        "install`\n3. Ran the build\n\nFAILED: webpack exits with code 2 on the new loader "
        "config; I left the tree as it was.",
    ),
    (
        "task-failed",
        "Task failed. The benchmark harness crashed on startup with a segfault in the native "
        "extension, so no numbers were collected.",
    ),
    (
        "result-failure-heading",
        "## Result: FAILURE\n\nThe upgrade to SQLAlchemy 2.0 breaks 14 call sites that use "
        "`Query.get()`; rewriting them is out of scope for this task.",
    ),
    (
        "could-not-be-completed",
        "### Migration report\n\nThe data backfill could not be completed: the `events` table "
        "is locked by a long-running transaction (pid 4412).",
    ),
    (
        "traceback-final-answer",
        "Running the script now:\n\n```\nTraceback (most recent call last):\n"
        '  File "/app/scripts/reindex.py", line 88, in <module>\n    main()\n'
        '  File "/app/scripts/reindex.py", line 71, in main\n    idx = build(conn)\n'
        "KeyError: 'embedding_dim'\n```",
    ),
    (
        "traceback-no-fence",
        "Traceback (most recent call last):\n"
        '  File "manage.py", line 22, in <module>\n'
        "    execute_from_command_line(sys.argv)\n"
        "django.core.exceptions.ValidationError: ['Enter a valid value.']",
    ),
    (
        "bare-error-enoent",
        "Error: ENOENT: no such file or directory, open '/workspace/config/settings.json'",
    ),
    (
        "api-error",
        'API Error: 529 {"type":"error","error":{"type":"overloaded_error",'
        '"message":"Overloaded"}}',
    ),
    ("permission-error-only", "PermissionError: [Errno 13] Permission denied: '/var/log/app.log'"),
    ("prompt-too-long", "Prompt is too long"),
    ("fatal-git", "fatal: not a git repository (or any of the parent directories): .git"),
    (
        "dont-have-access",
        "I don't have access to the production Kubernetes cluster from this session, so I "
        "cannot check the pod logs you asked about.",
    ),
    (
        "gave-up",
        "After six attempts at pinning compatible versions of `torch` and `numpy`, I gave up: "
        "every combination fails to build the CUDA extension.",
    ),
    (
        "sorry-cant-help",
        "I'm sorry, but I can't help with extracting the credentials from that keychain.",
    ),
    (
        "status-incomplete",
        "# Lint cleanup\n\nStatus: incomplete\n\nFixed 31 of 58 ruff findings; the rest are in "
        "generated protobuf code that I was told not to edit.",
    ),
    (
        "unable-at-end-of-long-report",
        "## Investigation\n\n"
        + "I read through the scheduler, the worker pool and the retry logic in detail. " * 20
        + "\n\n## Conclusion\n\nI was unable to identify which commit introduced the deadlock; "
        "the git history before March is squashed.",
    ),
    (
        "could-not-determine",
        "I could not determine the root cause. The crash only appears on the CI runners, and "
        "I have no way to attach a debugger there.\n\nNext steps: ask infra for a core dump.",
    ),
    (
        "verdict-failed",
        "# Security review: upload endpoint\n\nVerdict: FAILED\n\nThe endpoint accepts "
        "arbitrary file types and stores them under the web root.",
    ),
    (
        "task-not-completed",
        "The task was not completed because the build agent ran out of disk space at 94% of "
        "the artifact upload.",
    ),
    (
        "unable-to-complete-impersonal",
        "Unable to complete the requested changes: the target branch `release/4.2` does not "
        "exist on the remote.",
    ),
    (
        "command-failed-only",
        "Command failed with exit code 1: npm run build\nsh: vite: command not found",
    ),
    (
        "did-not-manage",
        "I did not manage to implement the streaming parser within the constraints; the "
        "current draft still buffers the whole file.",
    ),
    (
        "usage-limit",
        "Claude AI usage limit reached|1767225600",
    ),
]

SUCCESSES = [
    (
        "fixed-failing-test",
        "## Summary\n\nFixed the failing test `test_parse_dates` in `tests/test_csv.py`. The "
        "parser was treating `2024-02-30` as valid; it now raises `ValueError`.\n\n"
        "All 118 tests pass.",
    ),
    (
        "error-handling-added",
        "Error handling added to all three API clients:\n\n- `clients/github.py`: retries on "
        "502/503\n- `clients/slack.py`: surfaces `ratelimited` as `RateLimitError`\n"
        "- `clients/jira.py`: wraps `requests.Timeout`",
    ),
    (
        "no-errors-found",
        "Ran `mypy --strict src/` and `ruff check .`: no errors found. Nothing to change.",
    ),
    (
        "couldnt-find-issues",
        "# Code review: PR #482\n\nI couldn't find any issues with the new retry decorator. "
        "The backoff is bounded, exceptions are re-raised with context, and tests cover the "
        "jitter path.\n\nLGTM.",
    ),
    (
        "unable-to-reproduce",
        "I was unable to reproduce the bug; the code path is correct. `normalize()` is only "
        "called after `validate()`, so `None` never reaches it. The reported stack trace is "
        "from v1.3, before the guard was added.",
    ),
    (
        "tests-previously-failed",
        "Updated the fixtures for the new timezone handling. All 42 tests pass (previously "
        "3 failed).",
    ),
    (
        "fixed-typeerror",
        "Fixed TypeError in parser: `parse_header()` received `bytes` from the socket reader. "
        "Added a decode step and a regression test.",
    ),
    (
        "traceback-in-middle-then-fixed",
        "The crash was reproducible with the sample file:\n\n```\n"
        "Traceback (most recent call last):\n"
        '  File "loader.py", line 41, in load\n    rows = parse(fh)\n'
        "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0\n```\n\n"
        "I fixed it by opening the file with `encoding='utf-8-sig'` and falling back to "
        "latin-1. The loader now handles all 12 sample files.",
    ),
    (
        "build-failed-before-change",
        "The build failed before my change, now it passes. The culprit was a stale "
        "`tsconfig.tsbuildinfo` committed to the repo; I deleted it and added it to "
        ".gitignore.",
    ),
    (
        "research-answer",
        "## How does Datasette handle FTS?\n\nDatasette detects FTS4/FTS5 virtual tables "
        "configured with `content=` pointing at a base table and adds a search box to that "
        "table's page. `?_search=term` runs a MATCH query; `?_searchmode=raw` allows FTS "
        "operators.\n\nSources: datasette docs, full_text_search.rst.",
    ),
    (
        "test-run-report",
        "Test run complete.\n\n```\n============ 214 passed, 3 skipped in 12.41s ============\n"
        "```\n\nNo failures. Coverage is 91% for `recorder/`.",
    ),
    (
        "code-review-findings",
        "# Review of `payments/refund.py`\n\n## Findings\n\n1. **High** — `refund()` swallows "
        "`StripeError` and returns `True`; callers believe the refund succeeded.\n"
        "2. **Medium** — amounts are floats; use `Decimal`.\n3. **Low** — missing type hints.\n\n"
        "## Verdict\nRequest changes.",
    ),
    (
        "failed-count-zero",
        "Results:\n\nPASSED: 57\nFAILED: 0\nSKIPPED: 2\n\nThe suite is green on Python 3.10-3.12.",
    ),
    (
        "investigated-failures",
        "I looked into why the nightly task failed three times last week. Each failure was a "
        "timeout in `test_sync_large_repo`, which clones a 2 GB fixture. I moved that test "
        "behind the `slow` marker and cached the fixture. The nightly job ran green twice since.",
    ),
    (
        "explains-error-message",
        "The message `Error: ENOENT` comes from `fs.readFileSync` in `loadConfig()`. It "
        "appears when `CONFIG_PATH` is unset; I made the function fall back to "
        "`./config.json` and documented the variable in the README.",
    ),
    (
        "refactor-done",
        "Refactor complete.\n\n### Changes\n- Split `utils.py` (1,400 lines) into `utils/io.py`, "
        "`utils/text.py`, `utils/time.py`\n- Kept `utils/__init__.py` re-exports for "
        "compatibility\n- Updated 23 imports\n\n### Verification\n`pytest -q`: 302 passed.",
    ),
    (
        "cant-find-problems-review",
        "I can't find any problems with the migration script. It is idempotent, wrapped in a "
        "transaction, and the down-migration restores the dropped index.",
    ),
    (
        "no-failures-found",
        "Audit of the retry logic: no failures found in 500 simulated runs with injected "
        "faults. The circuit breaker opens after 5 errors as configured.",
    ),
    (
        "error-in-title-of-finding",
        "## Findings\n\n### Error messages leak stack traces\n`app.py` returns `str(exc)` to "
        "clients on 500. I changed the handler to log the exception and return a generic "
        "message.\n\nAll tests pass.",
    ),
    (
        "hypothetical-if-i-cant",
        "Implemented the cache warmup. If I can't reach Redis at startup, the service now logs "
        "a warning and serves uncached instead of crashing. Added tests for both paths.",
    ),
    (
        "previously-failed-status",
        "The flaky test was failing because of a shared temp dir. Task failed previously on CI "
        "for this reason; I gave each test its own `tmp_path` and it passes 50/50 runs now.",
    ),
    (
        "write-up-with-numbers",
        "Benchmark results (median of 5):\n\n| query | before | after |\n|---|---|---|\n"
        "| recent-runs | 48 ms | 6 ms |\n| failed-tasks | 120 ms | 9 ms |\n\nThe new index on "
        "`(status, completed_at)` is used by both plans.",
    ),
    (
        "handled-errors-list",
        "Hardened the CSV importer:\n- empty files → skipped with a warning\n- bad encodings → "
        "retried as latin-1\n- rows with too many columns → logged and dropped\n\nErrors are "
        "now counted in the import summary.",
    ),
    (
        "exception-word-in-prose",
        "Exception handling in `worker.py` now distinguishes retryable errors "
        "(`ConnectionError`, `TimeoutError`) from permanent ones. Docs updated.",
    ),
    (
        "traceback-quoted-research",
        "The user's report contains this traceback:\n\n```\nTraceback (most recent call last):\n"
        "  File \"cli.py\", line 9, in main\nAttributeError: 'NoneType' object has no attribute "
        "'split'\n```\n\nCause: `os.environ.get('EDITOR')` returns None when EDITOR is unset. "
        "Fix: default to `vi`. Patch applied in `cli.py` line 9.",
    ),
    (
        "short-done",
        "Done. Renamed `get_usr` to `get_user` in 7 files and updated the call sites.",
    ),
    (
        "git-log-answer",
        'The regression came from commit `a1b2c3d` ("speed up tokenizer"), which changed the '
        "split regex. Reverting only that hunk restores the old behaviour; all tokenizer tests "
        "pass with the revert.",
    ),
    (
        "could-not-find-references",
        "I could not find any references to `legacy_auth` outside `tests/`. It is safe to "
        "delete; I removed the module and its two tests.",
    ),
    (
        "long-report-with-unable-in-middle",
        "## Plan\n\nMigrate the ORM layer.\n\n"
        + "Updated the model definitions and re-ran the suite. " * 15
        + "\n\nAt one point I was unable to run the migrations because the test database was "
        "missing; I created it with `createdb test_app` and continued.\n\n"
        + "Adjusted more queries and verified each change. " * 15
        + "\n\n## Result\n\nAll 88 migrations apply cleanly and the suite passes.",
    ),
    (
        "status-completed-marker",
        "**Status:** COMPLETE\n\nAdded the `--dry-run` flag to `install-hooks`. It prints the "
        "merged settings.json instead of writing it.",
    ),
    (
        "failure-modes-doc",
        "Wrote `docs/failure-modes.md` describing what happens when the database is locked, "
        "read-only or corrupt. Each case links to the relevant test.",
    ),
    (
        "errors-none",
        "Checked all 14 canned queries against the demo database. Errors: none. Each returns "
        "rows in under 20 ms.",
    ),
    (
        "js-stack-explained",
        "The `TypeError: Cannot read properties of undefined (reading 'map')` in the dashboard "
        "came from rendering before the fetch resolved. Added a loading state; the page renders "
        "without errors now.",
    ),
    (
        "quoted-cli-message",
        "The message `I cannot proceed while the lock is held` is printed by the CLI when a "
        "second instance starts. I made the lock timeout configurable via `--lock-timeout`.",
    ),
    (
        "caveat-couldnt-run-integration",
        "Implemented the exporter and its unit tests (17 passing). Note: I couldn't run the "
        "integration tests because Docker isn't available here; they are unchanged.",
    ),
    (
        "ci-job-failed-summary",
        "Summary: the CI job failed on main yesterday because of a flaky DNS lookup in "
        "`test_webhooks`. I pinned the resolver in the fixture; the job is green on the rerun.",
    ),
    (
        "pytest-output-with-failures-reported",
        "Ran the suite as asked. Output:\n\n```\nFAILED tests/test_api.py::test_pagination - "
        "assert 20 == 25\n=========== 1 failed, 211 passed in 9.02s ===========\n```\n\n"
        "The one failure is the known pagination bug tracked in #311.",
    ),
    ("error-none-short", "Error: none. The log is clean."),
    (
        "resolved-blocker",
        "Initially I could not access the private registry, but after adding the token from "
        "`.npmrc.example` the install worked. Dependencies are updated and the lockfile is "
        "committed.",
    ),
]

UNKNOWNS = [
    ("empty-string", ""),
    ("whitespace-only", "   \n\t  \n"),
    ("none-text", None),
    ("interrupted-marker", "[Request interrupted by user for tool use]"),
]

CASES = (
    [pytest.param(t, "failure", id=f"failure-{label}") for label, t in FAILURES]
    + [pytest.param(t, "success", id=f"success-{label}") for label, t in SUCCESSES]
    + [pytest.param(t, "unknown", id=f"unknown-{label}") for label, t in UNKNOWNS]
)


def test_enough_labelled_cases() -> None:
    assert len(FAILURES) >= 30
    assert len(SUCCESSES) >= 30
    assert len(CASES) >= 70


@pytest.mark.parametrize("text,expected", CASES)
def test_labelled_results(text: str | None, expected: str) -> None:
    verdict = classify(text)
    assert isinstance(verdict, Verdict)
    assert verdict.outcome == expected, verdict.reason
    assert verdict.reason
    assert "\n" not in verdict.reason
    assert len(verdict.reason) < 200


def test_failure_reason_quotes_the_phrase() -> None:
    verdict = classify("I was unable to open the spreadsheet; it is password protected.")
    assert verdict.outcome == "failure"
    assert verdict.reason.startswith("subagent reported it was unable to finish: '")
    assert "I was unable to open the spreadsheet" in verdict.reason


def test_traceback_reason_names_the_exception() -> None:
    text = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad input'
    verdict = classify(text)
    reason = "result ends in a Python traceback: 'ValueError: bad input'"
    assert verdict == Verdict("failure", reason)


def test_success_reason() -> None:
    assert classify("All done.") == Verdict("success", "completed without failure signals")


def test_empty_reason() -> None:
    assert classify("  ") == Verdict("unknown", "empty result")


# --------------------------------------------------------------------------------------
# Structured signals
# --------------------------------------------------------------------------------------


def test_interrupted_wins_over_everything() -> None:
    verdict = classify("Error: boom", error="Interrupted", interrupted=True)
    assert verdict == Verdict("unknown", "interrupted before finishing")


def test_error_string_is_failure_with_first_line() -> None:
    verdict = classify(None, error="\nAgent crashed: out of memory\n  at worker.js:12\n")
    assert verdict.outcome == "failure"
    assert "Agent crashed: out of memory" in verdict.reason
    assert "worker.js" not in verdict.reason


def test_error_beats_successful_text() -> None:
    assert classify("All tests pass.", error="Tool execution failed").outcome == "failure"


def test_empty_error_string_is_still_failure() -> None:
    assert classify("fine", error="") == Verdict("failure", "tool call failed")


@pytest.mark.parametrize("flag", [True, 1, "true", "True"])
def test_response_is_error(flag: object) -> None:
    verdict = classify("Looks good.", response={"is_error": flag, "content": "x"})
    assert verdict.outcome == "failure"
    assert "is_error" in verdict.reason


@pytest.mark.parametrize("flag", [False, 0, "false", None, ""])
def test_response_is_error_false_values(flag: object) -> None:
    assert classify("Looks good.", response={"is_error": flag}).outcome == "success"


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
    assert classify("Done.", response={"status": "completed"}).outcome == "success"
    verdict = classify("I was unable to finish.", response={"status": "completed"})
    assert verdict.outcome == "failure"


def test_async_launched_is_unknown() -> None:
    response = {"isAsync": True, "status": "async_launched", "agentId": "a1", "content": []}
    assert classify("Launched.", response=response) == Verdict(
        "unknown", "background subagent launched; result not yet known"
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
    ok = {"content": [{"type": "text", "text": "Refactor complete, tests pass."}]}
    bad = {"content": [{"type": "text", "text": "I was unable to access the repo."}]}
    assert classify(None, response=ok).outcome == "success"
    assert classify(None, response=bad).outcome == "failure"
    assert classify(None, response="BLOCKED: no credentials").outcome == "failure"
    assert classify(None, response={"content": []}) == Verdict("unknown", "empty result")


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
    assert classify("ok", interrupted="false").outcome == "success"  # type: ignore[arg-type]
    assert classify("ok", interrupted=None).outcome == "success"  # type: ignore[arg-type]


def test_large_report_is_classified_from_its_edges() -> None:
    middle = "I was unable to " + "a" * 50 + " (((( Traceback "
    filler = "Checked module and updated its tests; everything matched the spec. " * 7000
    text = "## Summary\n\nAll done.\n\n" + filler + middle * 2000 + filler + "\n\nAll tests pass."
    assert len(text) > 1_000_000
    assert classify(text).outcome == "success"
    assert classify(text + "\n\nBLOCKED: could not push the branch.").outcome == "failure"
    assert classify("I could not finish the task.\n\n" + text).outcome == "failure"


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
