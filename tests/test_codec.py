"""Kept events compressed with a preset dictionary; rows kept before it still read alike."""

from __future__ import annotations

import sqlite3
import zlib

import pytest
from conftest import run_cli
from test_compaction import block_texts, compact, kept_payloads, stored_bytes
from test_kept_events import keep_from_2020, raw, snapshot, story

from recorder.hook import codec


def dictionary_of(blob: bytes) -> int | None:
    """The Adler-32 of the dictionary a zlib stream needs (None: it needs none)."""
    return int.from_bytes(blob[2:6], "big") if blob[1] & codec.FDICT else None


def as_before_the_dictionary(db) -> None:
    """Store every loose event and block as versions before the dictionary did."""
    conn = sqlite3.connect(db)
    with conn:
        for table, column in (("kept_events", "event"), ("kept_blocks", "data")):
            rows = conn.execute(f"SELECT id, {column} FROM {table} WHERE length({column})")
            old = [(zlib.compress(codec.inflate(blob)), row_id) for row_id, blob in rows]
            conn.executemany(f"UPDATE {table} SET {column} = ? WHERE id = ?", old)
    conn.close()


def test_events_and_blocks_are_stored_with_the_dictionary(db):
    keep_from_2020(db, story(3))
    loose = [blob for (blob,) in raw(db, "SELECT event FROM kept_events")]
    assert {dictionary_of(blob) for blob in loose} == {zlib.adler32(codec.DICTIONARY)}
    plain = sum(len(zlib.compress(codec.inflate(blob))) for blob in loose)
    assert sum(map(len, loose)) < 0.85 * plain  # what every event spells out is primed
    compact(db)
    blocks = [blob for (blob,) in raw(db, "SELECT data FROM kept_blocks")]
    assert blocks and {dictionary_of(blob) for blob in blocks} == {zlib.adler32(codec.DICTIONARY)}


@pytest.mark.parametrize("compacted", [False, True])
def test_rows_kept_before_the_dictionary_read_rebuild_and_compact_alike(db, compacted):
    keep_from_2020(db, story(4))
    run_cli("sync", "--db", str(db))
    if compacted:
        compact(db)
    before, payloads = snapshot(db), kept_payloads(db)
    as_before_the_dictionary(db)
    stored = raw(db, "SELECT event FROM kept_events WHERE length(event)")
    stored += raw(db, "SELECT data FROM kept_blocks")
    assert stored and {dictionary_of(blob) for (blob,) in stored} == {None}
    assert kept_payloads(db) == payloads
    result = run_cli("rebuild", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert snapshot(db) == before
    compact(db)  # old loose rows go into new blocks
    assert raw(db, "SELECT count(*) FROM kept_events WHERE block_id IS NULL") == [(0,)]
    assert kept_payloads(db) == payloads
    assert any(b'"hook_event_name":"Stop"' in text for text in block_texts(db))
    assert stored_bytes(db) > 0


def test_an_unknown_dictionary_is_refused_not_misread():
    other = zlib.compressobj(zdict=b'{"some other dictionary":""}')
    blob = other.compress(b'{"a":1}') + other.flush()
    with pytest.raises(ValueError, match="dictionary"):
        codec.inflate(blob)
    assert codec.inflate(zlib.compress(b'{"a":1}')) == b'{"a":1}'
    assert codec.inflate(codec.deflate(b"")) == b""
    with pytest.raises(zlib.error):
        codec.inflate(codec.deflate(b'{"a":1}' * 50)[:-9])
