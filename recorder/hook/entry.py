"""The ``agent-runs-hook`` console script: the hook behind a guard that needs almost nothing.

Stdin is read before the recorder is imported, so a recorder that cannot even be
imported (an upgrade half done, a bug at import time) still keeps the event: it is
appended as a dead letter (``agent-runs replay`` retries it after the fix) and the
process exits 0 with nothing on stdout, as the hook promises. Standard library only.
"""

import json
import os
import sys
import time

from recorder.hook import paths

USAGE = """usage: agent-runs-hook [--db PATH] < event.json

Claude Code runs this for each hook event (`agent-runs install-hooks` registers it): it
reads one event as JSON on stdin, keeps it in the database, prints nothing and exits 0.
"""


def run() -> None:
    """Record one event from stdin, then exit 0 at once whatever happened."""
    if any(arg in ("-h", "--help", "--version") for arg in sys.argv[1:]):  # a person
        from importlib.metadata import version  # its import costs: only for a person

        said = (
            USAGE if "--version" not in sys.argv else f"agent-runs-hook {version('agent-runs')}\n"
        )
        sys.stderr.write(said)  # stdout stays empty, as the hook promises
        sys.stderr.flush()
        os._exit(0)
    raw = b""
    try:
        raw = sys.stdin.buffer.read()
        from recorder.hook import handle as hook

        hook.leave_open = True
        hook.main(raw=raw)
    except BaseException as exc:
        keep_unrecorded(raw, f"hook failed before recording: {type(exc).__name__}: {exc}")
    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105 (contextlib would be one more import on the hook path)
            stream.flush()
        except BaseException:
            pass
    os._exit(0)


def keep_unrecorded(raw: bytes, error: str) -> None:
    """Append ``raw`` as a dead letter in the first writable place; say so on stderr."""
    failed_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    record = {
        "failed_at": failed_at,
        "error": error,
        "raw": redacted(raw.decode("utf-8", "replace")),
    }
    line = json.dumps(record) + "\n"
    db = paths.database(paths.db_argument(sys.argv[1:]))
    where = "nowhere (no writable place)"
    for path in paths.candidates(db, paths.DEAD_LETTERS):
        try:
            paths.prepare(db, path)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8", "surrogatepass"))
            finally:
                os.close(fd)
            where = path
            break
        except OSError:
            continue
    try:  # noqa: SIM105 (contextlib would be one more import on the hook path)
        print(f"agent-runs: {error}; event kept in {where}", file=sys.stderr)
    except BaseException:
        pass


def redacted(text: str) -> str:
    """``text`` redacted by the fullest redaction that still imports (each needs only ``re``)."""
    import importlib  # only here: the recorder failed

    for module in ("recorder.redaction.engine", "recorder.redaction.rules"):
        try:
            return importlib.import_module(module).redact_text(text)
        except BaseException:
            continue
    return text  # nothing lost: the event is kept even when no redaction can run


if __name__ == "__main__":
    run()
