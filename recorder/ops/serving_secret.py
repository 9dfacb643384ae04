"""The secret Datasette signs agent-runs tokens and login cookies with, kept across restarts.

``$DATASETTE_SECRET`` when set (Datasette reads it too), else the file
``~/.config/agent-runs/datasette-secret`` (``$XDG_CONFIG_HOME`` respected), created
on first use with mode 0600 and refused when others can read it. Deleting the file
revokes every token made with it.
"""

from __future__ import annotations

import os
import secrets
import stat

from recorder.hook import paths

ENV_SECRET = "DATASETTE_SECRET"
FILE_NAME = "datasette-secret"
DEFAULT_ACTOR = "agent-runs"  # not "root": that id has Datasette's debugging permissions


def secret_file() -> str:
    return os.path.join(paths.config_dir(), FILE_NAME)


def instance_secret() -> str:
    """The secret to serve with: the environment's, else the kept one (made if missing)."""
    if os.environ.get(ENV_SECRET):
        return os.environ[ENV_SECRET]
    path = secret_file()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_secret(path)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32) + "\n")
    return read_secret(path)


def read_secret(path: str) -> str:
    """The secret kept in ``path``; ValueError if others may read it or it is empty."""
    mode = os.stat(path).st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ValueError(f"{path} is readable by others: run `chmod 600 {path}`")
    with open(path, encoding="utf-8") as f:
        value = f.read().strip()
    if not value:
        raise ValueError(f"{path} is empty: delete it and a new secret is made")
    return value


def make_token(actor_id: str, seconds: int | None = None) -> str:
    """A bearer token for ``actor_id`` that ``agent-runs serve --auth`` accepts, for ``seconds``."""
    from datasette_plugins import auth

    instance = _instance()
    return auth.make_token(instance, actor_id, seconds or auth.TOKEN_SECONDS)


def make_login_link_code(actor_id: str, server: str) -> str:
    """A one-use sign-in code for ``/-/agent-runs/login?code=`` on the server run ``server``."""
    from datasette_plugins import auth

    return auth.make_login_code(_instance(), actor_id, server)


def _instance():
    from datasette.app import Datasette

    return Datasette(secret=instance_secret())
