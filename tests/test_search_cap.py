"""Searches stay fast for common words: they stop at what a person reads.

The node table's ?_search= lists the newest LIMIT matching tasks at most (its count
says LIMIT when there are more, and the page says so); search-tasks ranks the newest
2,000 matches. Real database, real Datasette.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from datasette.app import Datasette

from datasette_plugins import recent_search
from recorder.hook import database

COMMON = recent_search.LIMIT + 150


@pytest.fixture(scope="module")
def searchable(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "index.db"
    conn = database.connect(str(path))
    with conn:
        conn.executemany(
            "INSERT INTO node_executions (run_id, node_id, node_type, node_name, status, "
            "started_at, result_text) VALUES (1, ?, 'task', ?, 'completed', ?, ?)",
            [
                (
                    f"n{i}",
                    f"task {i}",
                    f"2026-11-{1 + i % 28:02d}T10:00:00.000Z",
                    "common words here" + (" rareword" if i % 1000 == 7 else ""),
                )
                for i in range(COMMON)
            ],
        )
    conn.close()
    return path


def get(path, url: str):
    async def inner():
        ds = Datasette([str(path)])
        await ds.invoke_startup()
        return await ds.client.get(url.replace("DB", ds.get_database().name))

    return asyncio.run(inner())


def test_common_word_lists_the_newest_matches_and_says_so(searchable):
    response = get(searchable, "/DB/node_executions?_search=common")
    assert response.status_code == 200
    html = response.text
    heading = re.search(r"<h3>(.*?)</h3>", html, re.S).group(1)
    assert f"{recent_search.LIMIT:,} rows" in heading
    assert "newest" in heading and "at most" in heading
    assert 'name="_search" value="common"' in html  # the box keeps the words
    assert "5,000 matching tasks at most" in html  # the table's description says it too
    data = get(searchable, "/DB/node_executions.json?_search=common&_shape=array").json()
    ids = [row["id"] for row in data]
    assert ids == sorted(ids, reverse=True) and ids[0] == COMMON  # newest first


def test_rare_word_is_counted_exactly(searchable):
    data = get(searchable, "/DB/node_executions.json?_search=rareword&_shape=objects").json()
    assert data["filtered_table_rows_count"] == len(range(7, COMMON, 1000))
    assert all("rareword" in row["result_text"] for row in data["rows"])
    nothing = get(searchable, "/DB/node_executions.json?_search=absentword").json()
    assert nothing["filtered_table_rows_count"] == 0


def test_next_page_of_a_search_continues_it(searchable):
    first = get(
        searchable, "/DB/node_executions.json?_search=common&_size=100&_shape=objects"
    ).json()
    second = get(searchable, first["next_url"].split("localhost", 1)[1]).json()
    assert second["rows"][0]["id"] == first["rows"][-1]["id"] - 1


def test_search_tasks_ranks_the_newest_matches(searchable):
    rows = get(searchable, "/DB/search-tasks.json?q=common&_shape=array").json()
    assert len(rows) == 100
    assert {row["total_matches"] for row in rows} == {2000}
    assert min(row["node_execution_id"] for row in rows) > COMMON - 2000
    rare = get(searchable, "/DB/search-tasks.json?q=rareword&_shape=array").json()
    assert {row["total_matches"] for row in rare} == {len(range(7, COMMON, 1000))}
    assert all("<mark>rareword</mark>" in row["snippet"] for row in rare)


@pytest.mark.parametrize("table", ["node_executions", "tasks", "learnings"])
@pytest.mark.parametrize("words", ['"', '""', '" "'], ids=["quote", "two", "spaced"])
def test_a_search_of_only_quotes_finds_nothing_rather_than_failing(searchable, table, words):
    response = get(searchable, f"/DB/{table}.json?_search={words}&_shape=objects")
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == []
    page = get(searchable, f"/DB/{table}?_search={words}")
    assert page.status_code == 200 and 'name="_search"' in page.text  # the box to try again


def test_quotes_around_words_still_search_them(searchable):
    data = get(searchable, '/DB/tasks.json?_search="rareword&_shape=objects').json()
    assert data["filtered_table_rows_count"] == len(range(7, COMMON, 1000))
