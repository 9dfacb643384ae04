"""Zero-config: metadata.yml and the canned queries reach any agent-runs database."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from datasette.app import Datasette
from test_datasette_helpers import build, get

from datasette_plugins import canned, locate
from recorder.schema import migrations, rollups

ROOT = Path(__file__).resolve().parent.parent
METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
QUERY_FILES = sorted((ROOT / "canned_queries").glob("*.sql"))


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    return build(tmp_path_factory.mktemp("meta") / "whatever-name.db")


def queries_of(ds, database="whatever-name") -> list[dict]:
    response = get(ds, f"/{database}.json")
    assert response.status_code == 200
    return response.json()["queries"]


def test_locator_finds_the_metadata_of_this_install():
    # A checkout (editable install) or the wheel's recorder/data/, as CI installs it.
    found = locate.data_dir()
    assert found in (ROOT, locate.PACKAGE_DIR.parent / "recorder" / "data")
    assert (found / "metadata.yml").read_text() == (ROOT / "metadata.yml").read_text()
    assert sorted(p.name for p in (found / "canned_queries").glob("*.sql")) == sorted(
        p.name for p in QUERY_FILES
    )


def test_locator_finds_a_checkout_layout(tmp_path):
    (tmp_path / "datasette_plugins").mkdir()
    (tmp_path / "metadata.yml").write_text("title: x\n")
    assert locate.data_dir(tmp_path / "datasette_plugins") == tmp_path


def test_locator_finds_an_installed_wheel_layout(tmp_path):
    site = tmp_path / "site-packages"
    (site / "datasette_plugins").mkdir(parents=True)
    (site / "recorder" / "data" / "canned_queries").mkdir(parents=True)
    (site / "recorder" / "data" / "metadata.yml").write_text("title: x\n")
    assert locate.data_dir(site / "datasette_plugins") == site / "recorder" / "data"
    (tmp_path / "empty" / "datasette_plugins").mkdir(parents=True)
    assert locate.data_dir(tmp_path / "empty" / "datasette_plugins") is None


def test_metadata_applies_whatever_the_file_is_called(known):
    ds = Datasette([str(known)])
    metadata = get(ds, "/-/metadata.json").json()
    assert metadata["title"] == METADATA["title"]
    tables = metadata["databases"]["whatever-name"]["tables"]
    assert tables["node_executions"]["label_column"] == "node_name"
    assert "index" not in metadata["databases"]
    html = get(ds, "/whatever-name/node_executions").text
    template_tables = METADATA["databases"]["index"]["tables"]
    assert template_tables["node_executions"]["description"].split(":")[0] in html
    assert "sorted by id descending" in html
    listed = {t["name"]: t["hidden"] for t in get(ds, "/whatever-name.json").json()["tables"]}
    assert listed["_agent_runs_migrations"] is True and listed["node_executions"] is False


def test_every_sql_file_is_a_canned_query_with_its_metadata(known):
    assert QUERY_FILES, "canned_queries/ has no .sql files"
    ds = Datasette([str(known)])
    found = {q["name"]: q for q in queries_of(ds)}
    assert set(found) == {p.stem for p in QUERY_FILES}
    described = METADATA["plugins"]["agent-runs"]["queries"] or {}
    for path in QUERY_FILES:
        query = found[path.stem]
        assert query["sql"] == path.read_text(encoding="utf-8")
        if path.stem in described and described[path.stem].get("title"):
            assert query["title"] == described[path.stem]["title"]


def test_dash_m_metadata_gives_the_same_result_without_duplicates(known):
    bare = Datasette([str(known)])
    with_m = Datasette([str(known)], metadata=METADATA)
    bare_queries, m_queries = queries_of(bare), queries_of(with_m)
    names = [q["name"] for q in m_queries]
    assert len(names) == len(set(names))
    assert names == [q["name"] for q in bare_queries]
    assert [q.get("title") for q in m_queries] == [q.get("title") for q in bare_queries]
    bare_meta = get(bare, "/-/metadata.json").json()
    m_meta = get(with_m, "/-/metadata.json").json()
    assert m_meta["databases"]["whatever-name"] == bare_meta["databases"]["whatever-name"]
    assert m_meta["title"] == bare_meta["title"]
    assert get(with_m, "/").text.count("Open the agent-runs dashboard") == 1
    # A database named like the template (index) gets the same, once.
    assert get(with_m, "/-/agent-runs").status_code == 200


def test_dash_m_with_a_database_called_index(known, tmp_path):
    index = tmp_path / "index.db"
    index.write_bytes(known.read_bytes())
    bare = Datasette([str(index)])
    with_m = Datasette([str(index)], metadata=METADATA)
    assert get(with_m, "/-/metadata.json").json() == get(bare, "/-/metadata.json").json()
    names = [q["name"] for q in queries_of(with_m, "index")]
    assert len(names) == len(set(names)) == len(QUERY_FILES)


def test_canned_queries_combine_sql_files_with_metadata(tmp_path):
    (tmp_path / "canned_queries").mkdir()
    (tmp_path / "canned_queries" / "by-status.sql").write_text(
        "SELECT * FROM node_executions WHERE status = :status"
    )
    (tmp_path / "canned_queries" / "bare.sql").write_text("SELECT 1")
    config = {
        "queries": {
            "by-status": {
                "title": "By status",
                "description": "Tasks <b>by</b> status",
                "params": ["status"],
                "param_help": {"status": "one of <running|failed>"},
            },
            "not-a-file": {"title": "ignored"},
        }
    }
    queries = canned.load(tmp_path, config)
    assert set(queries) == {"by-status", "bare"}
    assert queries["bare"] == {"sql": "SELECT 1"}
    by_status = queries["by-status"]
    assert by_status["title"] == "By status" and by_status["params"] == ["status"]
    assert by_status["param_help"] == {"status": "one of <running|failed>"}
    html = by_status["description_html"]
    assert "Tasks &lt;b&gt;by&lt;/b&gt; status" in html
    assert "<code>status</code>" in html and "one of &lt;running|failed&gt;" in html


def test_query_page_gets_parameter_help(known):
    described = METADATA["plugins"]["agent-runs"]["queries"] or {}
    helped = [name for name, q in described.items() if (q or {}).get("param_help")]
    if not helped:
        pytest.skip("no canned query has param_help yet")
    ds = Datasette([str(known)])
    html = get(ds, f"/whatever-name/{helped[0]}").text
    assert "window.agentRunsParamHelp = {" in html
    assert 'class="ar-param-help"' in html


def test_the_plumbing_views_are_never_shown(known):
    """The rollups' and the UTC conversions' changes views."""
    ds = Datasette([str(known)])
    listed = get(ds, "/whatever-name.json").json()
    views = {view["name"] for view in listed["views"]}
    assert "tasks" in views
    assert set(rollups.VIEWS) < set(migrations.PLUMBING_VIEWS)
    assert "node_executions_utc_changes" in migrations.PLUMBING_VIEWS
    assert not views & set(migrations.PLUMBING_VIEWS)
    for view in migrations.PLUMBING_VIEWS:
        assert get(ds, f"/whatever-name/{view}.json").status_code == 403
    assert get(ds, "/whatever-name/rollup_tasks_daily.json").status_code == 200
