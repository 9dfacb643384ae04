"""The Claude Code hook: read one event on stdin and record it.

The hook keeps the event (``recorder.hook.keep``: one short transaction appending it to
``kept_events``), makes sure a derivation worker is running (``recorder.hook.deriver``)
and returns; the tables are derived off its path.

Promises (see DESIGN.md): exit code 0 and nothing on stdout whatever happens;
problems go to stderr and the log beside the database; an event that cannot be
written within the time budget, or that finds the database's schema older than this
code's, is spooled and ingested by the next run or the derivation worker (which runs the
migrations); an event the normaliser rejects is kept as a dead letter. Standard library
only.
"""

import json
import os
import sqlite3
import sys

from recorder.hook import agent_definitions, clock, database, deriver, keep, paths
from recorder.hook.events import META, normalise, trim
from recorder.plugins import calls as plugin_calls
from recorder.redaction import configured as redaction

BUDGET_ENV = "AGENT_RUNS_HOOK_TIMEOUT"
DEFAULT_BUDGET_SECONDS = 2.0
# Spooled events one hook run keeps before its own (about 0.6 ms each, inside Claude Code's
# wait); the derivation worker the hook starts keeps the rest, off that path (the hook's own
# event then waits in the spool behind them, for that worker or the next hook run).
REPLAY_BATCH = 100


# Set by the console entry (hook_entry.run): the process ends right after recording, so
# the connection is left for the OS to close. That skips SQLite's checkpoint-on-close and
# Python's teardown, milliseconds a session would otherwise wait for; committed data is
# already in the WAL.
leave_open = False


def main(argv: list[str] | None = None, raw: bytes | None = None) -> int:
    """Record one event (``raw``, else stdin); always returns 0.

    A failure of our own code anywhere keeps the event as a dead letter.
    """
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # nothing printed by us or a library may reach Claude Code
    db = None
    try:
        raw = sys.stdin.buffer.read() if raw is None else raw
        db = paths.database(paths.db_argument(sys.argv[1:] if argv is None else argv))
        plugin_calls.report_to(lambda message: report(db, message))
        handle(db, raw)
    except BaseException as exc:  # the session must never see our failure
        error = f"hook failed: {type(exc).__name__}: {exc}"
        try:
            keep_dead_letter(db, error, raw=redacted_or_raw(raw.decode("utf-8", "replace")))
        except BaseException:
            report(db, error)
    finally:
        sys.stdout = real_stdout
    return 0


def budget() -> float:
    """Seconds the hook may wait for the database before spooling."""
    try:
        return max(0.05, float(os.environ.get(BUDGET_ENV, DEFAULT_BUDGET_SECONDS)))
    except ValueError:
        return DEFAULT_BUDGET_SECONDS


def handle(db: str, raw: bytes) -> None:
    """Parse, keep or record one event."""
    received_at = clock.now()
    text = raw.decode("utf-8", "replace").lstrip("\ufeff")  # a byte-order mark is no JSON
    if not text.strip():  # a person trying the hook by hand: there is nothing to keep
        sys.stderr.write("agent-runs-hook: no event on stdin, nothing kept\n")
        return
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as exc:
        keep_dead_letter(db, f"malformed JSON: {exc}", raw=redacted_or_raw(text))
        return
    if not isinstance(payload, dict):
        keep_dead_letter(db, "event is not a JSON object", raw=redacted_or_raw(text))
        return
    payload.pop(META, None)  # the receipt time is ours: a payload cannot supply it
    try:
        trimmed = trim(payload)
        if trimmed is None:  # another tool's call: nothing to redact, nothing to write
            return
        agent_definitions.note(trimmed)  # the definition file as it is now, when the agent runs
        payload = keep.stamp(trimmed, received_at)
        problem = redaction.problem()
        if problem:
            report(db, problem)
        if normalise(payload, received_at) is None:
            return
    except Exception as exc:  # RejectedEvent, or a bug of ours: keep the event either way
        # it may have failed before it was stamped (redacted): redact it now
        keep_dead_letter(db, f"{type(exc).__name__}: {exc}", payload=redacted_payload(payload))
        return
    try:
        record(db, payload)
    except (sqlite3.Error, OSError) as exc:
        if not database.unwritable(exc):  # e.g. an integer overflow: this event's fault
            keep_dead_letter(db, f"{type(exc).__name__}: {exc}", payload=payload)
            return
        from recorder.hook import spool  # spool, dead letters, log: only when needed

        where = spool.spool(db, payload)
        if isinstance(exc, database.Behind):  # the worker upgrades it, then keeps the spool
            report(db, f"{exc}; event spooled to {where}")
            start_worker(db)
            return
        why = f"{type(exc).__name__}: {exc}" + (
            "; the disk is full" if database.disk_full(db) else ""
        )
        report(db, f"database not writable ({why}); event spooled to {where}")
    except Exception as exc:
        keep_dead_letter(db, f"{type(exc).__name__}: {exc}", payload=payload)
    else:
        start_worker(db)


def start_worker(db: str) -> None:
    """Make sure a derivation worker runs for ``db`` (a failure is logged: the event is
    kept, and the next hook run or sync derives it)."""
    try:
        deriver.ensure(db)
    except Exception as exc:
        report(db, f"could not start the derivation worker: {type(exc).__name__}: {exc}")


def redacted_or_raw(text: str) -> str:
    """Input that is no JSON object, with secrets redacted; as it is if redaction itself
    fails (nothing lost). A secret spelled with JSON escapes (``\\u0073k-ant-...``) is
    found in the text with its escapes read, which is then kept instead."""
    try:
        clean = redaction.redact_text(text)
        if "\\" not in text:
            return clean
        import re  # json has imported it: only compiling the pattern costs, on this path

        read = re.sub(_ESCAPE, _unescaped, text)
        found = redaction.redact_text(read)
        return clean if found == read else found
    except Exception:
        return text


_ESCAPE = r'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))'
_ESCAPED = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _unescaped(m) -> str:
    if m.group(1):
        return chr(int(m.group(1), 16))
    return _ESCAPED.get(m.group(2), m.group(2))


def redacted_payload(payload: object) -> object:
    """A payload that could not be kept, redacted for its dead letter; as it is if
    redaction itself fails (nothing lost)."""
    try:
        return redaction.redact(payload)
    except Exception:
        return payload


def record(db: str, payload: dict) -> None:
    """Keep waiting spooled events, then this (stamped) one; once more after making the
    database's index files writable when a read-only spell of the database left them
    read-only."""
    try:
        keep_with_spooled(db, payload)
    except sqlite3.OperationalError:
        if not database.unstick_companions(db):
            raise
        keep_with_spooled(db, payload)


def keep_with_spooled(db: str, payload: dict) -> None:
    # A database of an older schema is upgraded by the worker, off Claude Code's timeout:
    # a hook stopped in a long migration would lose its event (the migration rolls back).
    conn = database.connect(db, timeout=budget(), upgrade_existing=False)
    try:
        # Checkpointing the WAL is the derivation worker's job (its commits run it), not a
        # cost the session waits for.
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        if paths.pending(db, paths.SPOOL) and not keep_spooled_first(conn, db):
            from recorder.hook import spool

            spool.spool(db, payload)  # after the older events still waiting
        else:
            database.write(conn, lambda c: keep.append(c, [payload], "hook"))
    except BaseException:
        conn.close()  # a retry must not share this connection's read-only index
        raise
    if not leave_open:
        conn.close()


def keep_spooled_first(conn: sqlite3.Connection, db: str) -> bool:
    """Keep a batch of the spooled events; whether none waits any more (else the hook's
    own event goes to the spool behind them: more than a batch waited, or another
    process's replay holds some), so events are kept in the order they came."""
    from recorder.hook import replay  # only when the spool holds events: off the path

    replay.replay(conn, db, limit=REPLAY_BATCH, dead_letters=False)
    return not paths.pending(db, paths.SPOOL)


def keep_dead_letter(db: str, error: str, payload: dict | None = None, raw: str | None = None):
    from recorder.hook import spool

    where = spool.dead_letter(db, error, payload, raw)
    report(db, f"event kept as a dead letter in {where}: {error}")


def report(db: str | None, message: str) -> None:
    """Log a problem; if even that fails, stderr is all there is."""
    try:
        if db is None:
            raise OSError("no database path")
        from recorder.hook import spool

        spool.log(db, message)
    except BaseException:
        try:  # noqa: SIM105 (contextlib would be one more import on the hook path)
            print(f"agent-runs: {message}", file=sys.stderr)
        except BaseException:
            pass
