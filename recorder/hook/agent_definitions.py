"""Which version of an agent definition file a node ran with.

Claude Code takes a subagent type from a Markdown file with YAML frontmatter:
``<project>/.claude/agents/<name>.md`` (the project's, which wins),
``<config>/agents/<name>.md`` (the user's; ``<config>`` is ``$CLAUDE_CONFIG_DIR``,
else ``~/.claude``), or a plugin's agents folder, where the type is named
``<plugin>:<name>`` (``<plugin>:<folder>:<name>`` for a file in a subfolder) and the
plugin's folder is its ``installPath`` in ``<config>/plugins/installed_plugins.json``.
The name is the frontmatter ``name`` when it has one, else the file name.

``read`` finds the file and returns a small JSON-serialisable record (its hash, its
description's first line, where it was found); ``apply`` writes such a record to a node.
The hook reads (``seen``) and keeps the record in the event; derivation applies it, so a
rebuild gives the version each node ran with, without the file. Standard library only
(runs on the hook path).
"""

import json
import os
import sqlite3

from recorder.schema.queries import sql

MAX_BYTES = 1 << 20  # a definition bigger than this is not read
DESCRIPTION_LIMIT = 200
BLOCK_MARKS = ("|", ">", "|-", ">-", "|+", ">+")


def config_dir() -> str:
    """Claude Code's user folder: $CLAUDE_CONFIG_DIR, else ~/.claude."""
    return os.environ.get("CLAUDE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".claude")


def seen(payload: dict) -> dict | None:
    """The definition record of the agent type an Agent call or SubagentStart names.

    The hook keeps it in the event, so derivation and rebuild never read the file.
    """
    if payload.get("hook_event_name") == "SubagentStart":
        agent_type = payload.get("agent_type")
    else:
        tool_input = payload.get("tool_input")
        agent_type = tool_input.get("subagent_type") if isinstance(tool_input, dict) else None
    cwd = payload.get("cwd")
    if not isinstance(agent_type, str) or not agent_type:
        return None
    return read(agent_type, cwd if isinstance(cwd, str) else None)


def note(payload: dict) -> None:
    """Keep the definition record ``seen`` now in the payload (its ``_agent_runs`` part)."""
    found = seen(payload)
    if found is not None:
        meta = payload.get("_agent_runs")
        payload["_agent_runs"] = dict(
            meta if isinstance(meta, dict) else {}, agent_definition=found
        )


def read(agent_type: str | None, project: str | None) -> dict | None:
    """The definition record of ``agent_type`` as seen from ``project``, or None.

    None when the type has no definition file (a built-in type, a deleted file).
    """
    if not agent_type or "/" in agent_type or "\\" in agent_type or agent_type.startswith("."):
        return None
    places: list[tuple[str, str, list[str]]] = []
    if ":" in agent_type:
        plugin, *folders = agent_type.split(":")
        name = folders.pop()
        places += [("plugin", root, folders) for root in plugin_agent_dirs(plugin)]
    else:
        name = agent_type
        if project:
            places.append(("project", os.path.join(project, ".claude", "agents"), []))
        places.append(("user", os.path.join(config_dir(), "agents"), []))
    for source, root, folders in places:
        found = find(os.path.join(root, *folders), name)
        if found is not None:
            path, content = found
            return record(agent_type, source, path, content)
    return None


def record(agent_type: str, source: str, path: str, content: bytes) -> dict:
    try:  # the built-in module (hashlib would load OpenSSL), only once a file is found
        from _sha256 import sha256  # Python < 3.12
    except ImportError:
        try:
            from _sha2 import sha256  # Python >= 3.12
        except ImportError:
            from hashlib import sha256
    return {
        "agent_type": agent_type,
        "source": source,
        "path": path,
        "hash": sha256(content).hexdigest()[:16],
        "description": description(content.decode("utf-8", "replace")),
    }


def find(directory: str, name: str) -> tuple[str, bytes] | None:
    """(path, content) of the definition named ``name`` in ``directory``: by file name,
    else the file whose frontmatter ``name`` is ``name``."""
    exact = os.path.join(directory, name + ".md")
    content = load(exact)
    if content is not None and frontmatter_value(content, "name") in (None, name):
        return exact, content
    try:
        names = sorted(os.listdir(directory))
    except (OSError, ValueError):  # ValueError: a NUL or a lone surrogate in the path
        return None
    for entry in names:
        if entry.endswith(".md"):
            path = os.path.join(directory, entry)
            content = load(path)
            if content is not None and frontmatter_value(content, "name") == name:
                return path, content
    return None


def load(path: str) -> bytes | None:
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > MAX_BYTES:
            return None
        with open(path, "rb") as f:
            return f.read()
    except (OSError, ValueError):
        return None


def plugin_agent_dirs(plugin: str) -> list[str]:
    """The agents folders of every installed copy of ``plugin`` (any marketplace)."""
    content = load(os.path.join(config_dir(), "plugins", "installed_plugins.json"))
    try:
        installed = json.loads(content) if content else {}
    except ValueError:
        return []
    plugins = installed.get("plugins") if isinstance(installed, dict) else None
    if not isinstance(plugins, dict):
        return []
    found = []
    for key, entries in plugins.items():
        if not isinstance(key, str) or key.split("@", 1)[0] != plugin:
            continue
        for entry in entries if isinstance(entries, list) else [entries]:
            if isinstance(entry, dict) and isinstance(entry.get("installPath"), str):
                found.append(os.path.join(entry["installPath"], "agents"))
    return found


def frontmatter(text: str) -> list[str]:
    """The lines of the YAML frontmatter (between the first two ``---`` lines)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return []
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            return lines[1:end]
    return []


def frontmatter_value(content: bytes | str, key: str) -> str | None:
    """The first line of a top-level frontmatter value (quotes and block marks undone)."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    lines = frontmatter(text)
    for i, line in enumerate(lines):
        if not line.startswith(key + ":"):
            continue
        value = line[len(key) + 1 :].strip()
        if value in BLOCK_MARKS or value == "":
            following = [rest.strip() for rest in lines[i + 1 :] if rest.startswith((" ", "\t"))]
            value = next((rest for rest in following if rest), "")
        elif value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) > 1:
            quote, value = value[0], value[1:-1]
            value = value.replace("\\n", "\n") if quote == '"' else value.replace("''", "'")
        first = value.strip().split("\n", 1)[0].strip()
        return first or None
    return None


def description(text: str) -> str | None:
    """The first line of the frontmatter ``description``, cut to a readable length."""
    first = frontmatter_value(text, "description")
    if first is None or len(first) <= DESCRIPTION_LIMIT:
        return first
    return first[: DESCRIPTION_LIMIT - 1] + "…"


def apply(conn: sqlite3.Connection, node_id: int, found: dict | None) -> None:
    """Write a definition record (from ``read``, or kept) to node ``node_id``."""
    if found is not None:
        conn.execute(sql("set_agent_definition"), dict(found, id=node_id))
