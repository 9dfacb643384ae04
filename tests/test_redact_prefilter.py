"""The cheap first look of redaction never skips a text that holds a secret."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from secret_corpus import SHAPES

from recorder.redaction import engine as redact
from recorder.redaction import rules

FRAGMENTS = [
    "sk-ant-api03-" + "Ab1" * 12,
    "sk-proj-" + "x9Y" * 10,
    "ghp_" + "a1B2" * 9,
    "github_pat_" + "A1_b" * 10,
    "AKIAIOSFODNN7EXAMPLE",
    "xoxb-1234567890-abcdefghij",
    "AIza" + "Sy0-" * 9,
    "eyJhbGciOiJI.eyJzdWIiOiIx.SflKxwRJSMeK",
    "-----BEGIN RSA PRIVATE KEY-----",
    "https://hooks.slack.com/services/T000/B000/XXXX",
    "postgres://u:hunter2@db/x",
    "?token=abcdef123",
    "&password=x1",
    "Authorization: Bearer abcdefghijklmnop1",
    "Basic dXNlcjpwYXNz",
    "DB_PASSWORD=hunter2",
    "pass: 'x'",
    "api_key: abc",
    "--db-pass s3cret",
    "curl -u bob:pw1 ",
    "client_secret=zzz",
    "PRIVATE_KEY=abc",
    "pwd=1",
    "credential=a",
    "sk_live_" + "a" * 20,
    "ASIAIOSFODNN7EXAMPL1",
    "passphrase=abc",
    "pass",
    "token count 12",
    "tests pass",
    " = ",
    ":",
    "'",
    '"',
    "\\n",
    " ",
    "\n",
    "&",
    "?",
    # near misses of the first look: prose words, token prefixes inside words, URLs
    "task-",
    "risk-",
    "\\nsk-",
    "re-use -u",
    "-u\t",
    "--user ",
    "https://github.com/a@b",
    "https://u:p",
    "@h",
    "/",
    "Bearer ",
    "Basic ",
    "the token ",
    "secret",
    "password is",
    "_pwd",
    "PWD",
    "apikey",
    '"\\"',
    "]",
    "--",
    "--x-",
    "\t",
    "Authorization",
    "db.",
    "=>",
    "\u0130",
    "\u212a",
]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=8))
@example(["\u00b9", "--db-pass s3cret"])  # a flag glued to a non-ASCII digit
def test_first_look_is_a_superset_of_the_patterns(parts):
    text = "".join(parts)
    if not redact._may_hold_secret(text):
        assert redact._builtin(text) == text


def test_plain_reports_skip_the_combined_pattern():
    report = "All 214 tests pass (previously 2 failed). Error handling fixed in checkout."
    assert not redact._may_hold_secret(report)
    assert redact.redact_text(report) == report


def test_prose_about_secrets_skips_the_combined_pattern():
    """Words that only name a secret, prefixes inside words and plain URLs are no secret."""
    report = (
        "The token refresh and the password reset are fixed; no secret or credential is"
        " logged. The task-notification handler and the risk-based check re-use -uniq"
        " output; see https://github.com/org/repo/pull/12 and git@github.com:org/repo."
        " Checks pass; cwdpwd was a typo."
    )
    assert not redact._may_hold_secret(report)
    assert redact.redact_text(report) == report
    for secret in ("token: abc123def", "--password hunter2", "https://u:pw@host/x", "\\nsk-"):
        assert redact._may_hold_secret(report + " " + secret)


IDENTIFIER_PARTS = [
    "total",
    "Tokens",
    "token",
    "password",
    "api_key",
    "secret",
    "Authorization",
    "Bearer",
    "ghp_" + "a1B2" * 9,
    "AKIAIOSFODNN7EXAMPLE",
    "sk_live_" + "a" * 20,
    "github_pat_" + "A1_b" * 10,
    "AIza" + "Sy0_" * 9,
    "xoxb",
    "_",
    "x",
    "9",
]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(IDENTIFIER_PARTS), min_size=1, max_size=6))
def test_first_look_at_keys_skips_only_identifiers_without_a_token(parts):
    key = "".join(parts)
    if not redact._keys_may_hold_secret([key]):
        assert redact._builtin(key) == key


def test_usual_payload_keys_skip_the_combined_pattern():
    keys = ["totalTokens", "cache_read_input_tokens", "output_tokens", "tool_use_id", "agentId"]
    assert not redact._keys_may_hold_secret(keys)
    assert redact._keys_may_hold_secret(keys + ["DB_PASSWORD=hunter2"])


KEY_PARTS = [
    "APP_KEY",
    "app.key",
    "secret-key",
    "monkey",
    "primary key",
    "Key",
    "KEY",
    "x",
    "-",
    ".",
    "=",
    ":",
    "::",
    '\\"',
    "'",
    " ",
    "\t",
    "\n",
    "$HOME",
    "[REDACTED:secret]",
    "abcdefghijklmnop",
    "0123456789+/=~",
]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(KEY_PARTS), st.text(max_size=6)), max_size=10))
@example(["xAPP_KEY", "=", "abcdefghijklmnop"])
@example(["primary key", " ", ":", " ", "abcdefghijklmnop"])
@example(["monkey", " ", "APP_KEY", '\\"', ":", " ", "abcdefghijklmnop"])
@example(["secret-key", "\t", "::", "abcdefghijklmnop"])
def test_the_key_name_rule_marks_what_it_marked_before_its_gate(parts):
    """The rule for secrets named ``..._key`` is looked for only at word starts and only in
    texts its gate finds: it marks exactly what the bare pattern marks everywhere."""
    text = "".join(parts)
    kind, hints, pattern = next(rule for rule in rules.AFTER if rule[1][0] == "key")
    bare = re.compile(pattern.removeprefix(r"(?<![\w.-])"))
    marker = rules.MARKER.format(kind=kind)
    assert rules._RuleSet([(kind, hints, pattern)]).apply(text) == rules._mark(bare, text, marker)


RUN_GATED = [rule for rule in rules.RULES if rule[1][0] in rules._RUNS]
RUN_GATED_VENDORS = ("airtable", "gitlab", "telegram", "dropbox", "twilio")
RUN_PARTS = [
    *(hint for _, hints, _ in RUN_GATED for hint in hints),
    *(text for name, text, _ in SHAPES if name.startswith(RUN_GATED_VENDORS)),
    "glpat-",
    "sl.u.",
    "bot123456789:",
    "0123456789abcdef" * 2,
    "Ab_-" * 7,
    "/home/dev/path",
    "both ",
    "global",
    "SKU",
    " ",
    "\\n",
    '"',
    ".",
    ":",
]


@settings(max_examples=1500, deadline=None)
@given(
    st.sampled_from(RUN_GATED),
    st.lists(st.one_of(st.sampled_from(RUN_PARTS), st.text(max_size=8)), max_size=8),
)
def test_a_rule_behind_a_run_gate_marks_what_its_pattern_marks(rule, parts):
    """Rules whose short hint words hold ("pat" in "path") first look for the unbroken run
    every match has after the hint: they mark exactly what their bare pattern marks."""
    text = "".join(parts)
    kind, _, pattern = rule
    marker = rules.MARKER.format(kind=kind)
    expected = rules._mark(re.compile(pattern), text, marker)
    assert rules._RuleSet([rule]).apply(text) == expected


def test_a_path_or_a_sentence_compiles_no_run_gated_rule():
    ruleset = rules._RuleSet(RUN_GATED)
    text = '{"transcript_path": "/home/dev/x.jsonl"} Both bots use the global SKU list.'
    assert ruleset.apply(text) == text
    assert ruleset.compiled == [None] * len(RUN_GATED)
