"""ELF's Conductor API, writing into our schema."""

from __future__ import annotations

from conftest import query

from recorder.sources.conductor import Conductor, Node


def test_elf_post_tool_hook_flow(tmp_path):
    """The calls ELF's post_tool_learning.py makes for one Task, in its order."""
    conductor = Conductor(base_path=str(tmp_path))
    run_id = conductor.start_run(
        workflow_name="task-20261124-101500",
        input_data={"description": "Review", "prompt": "Review auth"},
    )
    node = Node(
        id="task-1",
        name="Review auth",
        node_type="single",
        prompt_template="Review auth",
        config={"model": "claude"},
    )
    exec_id = conductor.record_node_start(run_id, node, "Review the auth module carefully")
    assert conductor.get_run(run_id)["total_nodes"] == 1
    conductor.record_node_completion(
        exec_id,
        result_text="All good, 3 suggestions.",
        result_dict={"outcome": "success", "reason": "looks fine"},
    )
    conductor.update_run_status(run_id, "completed", output={"outcome": "success"})

    run = conductor.get_run(run_id)
    assert run["status"] == "completed" and run["completed_nodes"] == 1
    assert run["input"] == {"description": "Review", "prompt": "Review auth"}
    assert run["output"] == {"outcome": "success"}
    assert run["completed_at"].endswith("Z")
    (executed,) = conductor.get_node_executions(run_id)
    assert executed["status"] == "completed" and executed["outcome"] == "success"
    assert executed["result"] == {"outcome": "success", "reason": "looks fine"}
    assert executed["files_modified"] == [] and executed["findings"] == []
    assert executed["duration_ms"] is not None and len(executed["prompt_hash"]) == 16
    decisions = query(
        tmp_path / "memory" / "index.db",
        "SELECT decision_type FROM conductor_decisions ORDER BY id",
    )
    assert [d["decision_type"] for d in decisions] == ["start_run", "fire_node"]


def test_failure_and_classification(tmp_path):
    conductor = Conductor(db_path=tmp_path / "x.db")
    run_id = conductor.start_run("wf")
    first = conductor.record_node_start(run_id, Node("a", "A"), "do a")
    second = conductor.record_node_start(run_id, Node("b", "B"), "do b")
    conductor.record_node_failure(first, "Timed out after 600s", error_type="timeout")
    conductor.record_node_completion(second, "I was unable to finish: no access to the repo.")
    nodes = {n["node_id"]: n for n in conductor.get_node_executions(run_id)}
    assert nodes["a"]["status"] == "failed" and nodes["a"]["error_type"] == "timeout"
    assert nodes["b"]["outcome"] == "failure"  # classified from the text, not guessed
    run = conductor.get_run(run_id)
    assert (run["total_nodes"], run["failed_nodes"], run["completed_nodes"]) == (2, 1, 1)
    assert conductor.get_run(9999) is None


def test_secrets_in_prompts_are_redacted(tmp_path):
    conductor = Conductor(db_path=tmp_path / "x.db")
    run_id = conductor.start_run("wf")
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    conductor.record_node_start(run_id, Node("a", "A"), f"use GITHUB_TOKEN={token}")
    assert token.encode() not in (tmp_path / "x.db").read_bytes()
