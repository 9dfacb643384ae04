"""Redaction as configured: the built-in patterns plus the user's pattern file.

The file is ``$AGENT_RUNS_REDACT_FILE``, else ``$XDG_CONFIG_HOME/agent-runs/redact-patterns.txt``
(``~/.config/agent-runs/redact-patterns.txt``): one regular expression per line, ``#``
comments and blank lines ignored (see ``engine.read_patterns``). It is read once per
process; when it is absent that costs one ``stat``. A broken file never stops recording:
the built-in patterns and the file's good lines still apply, and ``problem()`` says what
is wrong (the hook logs it, the CLI refuses to replay or backfill until it is fixed,
``agent-runs doctor`` reports it).
Standard library only: the hook imports this.
"""

import os

from recorder.redaction import engine
from recorder.redaction.config import config_dir

ENV_FILE = "AGENT_RUNS_REDACT_FILE"
FILE_NAME = "redact-patterns.txt"

_loaded: tuple[tuple, str | None] | None = None  # (patterns, problem), once per process


def pattern_file() -> str:
    """Where the user's redaction patterns are looked for."""
    explicit = os.environ.get(ENV_FILE)
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    return os.path.join(config_dir(), FILE_NAME)


def _load() -> tuple[tuple, str | None]:
    global _loaded
    if _loaded is None:
        path = pattern_file()
        try:
            os.stat(path)
        except FileNotFoundError:
            _loaded = ((), None)
            return _loaded
        except OSError as exc:
            _loaded = ((), f"redaction patterns: {path}: {exc.strerror or exc}")
            return _loaded
        try:
            patterns, problems = engine.read_patterns(path)
        except (OSError, UnicodeDecodeError) as exc:
            _loaded = ((), f"redaction patterns: {path}: cannot be read: {exc}")
        else:
            trouble = f"redaction patterns: {'; '.join(problems)}" if problems else None
            _loaded = (tuple(patterns), trouble)
    return _loaded


def user_patterns() -> tuple:
    """The user's compiled patterns: those of the file's good lines (none when it is absent
    or cannot be read)."""
    return _load()[0]


def problem() -> str | None:
    """One line saying why the pattern file is not used, or None when all is well."""
    return _load()[1]


def status() -> tuple[bool, str]:
    """(ok, one line) about the pattern file, for ``agent-runs doctor``."""
    patterns, trouble = _load()
    if trouble:
        also = f" and {len(patterns)} good user pattern(s)" if patterns else ""
        return False, f"{trouble} (built-in patterns{also} still apply)"
    path = pattern_file()
    if not patterns and not os.path.exists(path):
        return True, f"redaction: built-in patterns; no user patterns ({path} absent)"
    return True, f"redaction: built-in patterns + {len(patterns)} user pattern(s) from {path}"


def redact(value: object) -> object:
    """``redact.redact`` with the user's patterns."""
    return engine.redact(value, user_patterns())


def redact_text(text: str) -> str:
    """``redact.redact_text`` with the user's patterns."""
    return engine.redact_text(text, user_patterns())
