"""Model prices: the table shipped in the package, extended or overridden by the user's file.

``recorder/derive/prices.json`` is generated from the maintained ``genai-prices`` table
(``scripts/update_prices.py``; its ``date`` and ``source`` say when and from what).
A user file adds models or overrides shipped ones, by model id: ``$AGENT_RUNS_PRICES``,
else ``~/.config/agent-runs/prices.toml`` (or ``prices.json``)::

    [models."claude-foo-1"]          # a model id, or a prefix of ids with match
    match = ["claude-foo-1"]         # optional: id prefixes it prices (default: the id)
    input = 3.0                      # USD per million tokens
    output = 15.0
    cache_read = 0.3
    cache_write_5m = 3.75
    cache_write_1h = 6.0
    [models."claude-foo-1".fast]     # optional: fast mode's rates (usage.speed "fast")
    input = 18.0                     # ... and the four other kinds

Besides tokens: US-only inference and the server's web searches (see ``US_ONLY_INFERENCE``).
A response in fast mode is priced at the entry's ``fast`` rates; a model without them has
no fast-mode price (NULL and a reason, never the standard rates).
Standard library only (derivation runs on the hook path until the event log lands).
"""

from __future__ import annotations

import json
import os
import re

SHIPPED = os.path.join(os.path.dirname(__file__), "prices.json")
USER_ENV = "AGENT_RUNS_PRICES"
KINDS = ("input", "output", "cache_read", "cache_write_5m", "cache_write_1h")
# What a response's price depends on besides its tokens, as Anthropic bills it and Claude Code
# 2.1.337 prices it: US-only inference (usage.inference_geo "us") costs 1.1 times the token
# price; each web search the server ran (usage.server_tool_use.web_search_requests) $0.01.
US_ONLY_INFERENCE = 1.1
WEB_SEARCH_USD = 0.01
_cache: dict[tuple, PriceTable] = {}


class PriceError(ValueError):
    """The user's price file cannot be read."""


class PriceTable:
    """Prices per model id (USD per million tokens), with the table's date and source."""

    def __init__(
        self,
        table: dict,
        user: dict | None = None,
        user_path: str | None = None,
        problem: str | None = None,
    ):
        self.date = table.get("date")
        self.source = table.get("source")
        self.user_path = user_path
        self.problem = problem  # the user's file could not be read: shipped prices only
        self.models: list[dict] = list((user or {}).get("models", [])) + list(table["models"])
        self._found: dict[str, dict | None] = {}

    def find(self, model: str | None) -> dict | None:
        """The price entry of ``model`` (the user's first, then the most specific match)."""
        if not model:
            return None
        if model not in self._found:
            self._found[model] = self._match(model)
        return self._found[model]

    def _match(self, model: str) -> dict | None:
        best, best_len = None, -1
        for entry in self.models:
            match = entry.get("match") or {"equals": [entry["id"]]}
            length = -1
            if model == entry["id"] or model in match.get("equals", ()):
                length = 10_000
            for prefix in match.get("prefixes", ()):
                if model.startswith(prefix):
                    length = max(length, len(prefix))
            for pattern in match.get("regex", ()):
                if re.fullmatch(pattern, model):
                    length = max(length, 1 if pattern.startswith(".*") else 5_000)
            if length > best_len:  # ties: the earlier entry (the user's) wins
                best, best_len = entry, length
        return best


def response_cost(entry: dict, response: dict) -> tuple[float | None, str | None]:
    """USD for one API response, or (None, why) when a token kind it used has no price."""
    write_1h = response.get("cache_write_1h", 0)
    counts = {
        "input": response.get("input", 0),
        "output": response.get("output", 0),
        "cache_read": response.get("cache_read", 0),
        "cache_write_5m": response.get("cache_write", 0) - write_1h,
        "cache_write_1h": write_1h,
    }
    rates = entry
    tier = entry.get("tier")
    if response.get("speed") == "fast":
        rates, tier = entry.get("fast"), None  # fast mode has no long-context tier
        if rates is None:
            return None, f"no fast-mode price for {entry['id']}"
    if tier:
        prompt = counts["input"] + counts["cache_read"] + response.get("cache_write", 0)
        if prompt > tier["above"]:
            rates = dict(entry, **{k: v for k, v in tier.items() if k != "above"})
    total = 0.0
    for kind, count in counts.items():
        if not count:
            continue
        rate = rates.get(kind)
        if rate is None:
            return None, f"no {kind.replace('_', ' ')} price for {entry['id']}"
        total += count * rate
    if response.get("geo") == "us":
        total *= US_ONLY_INFERENCE
    return total / 1_000_000 + response.get("web_searches", 0) * WEB_SEARCH_USD, None


def user_file() -> str | None:
    """The user's price file, if there is one."""
    given = os.environ.get(USER_ENV)
    if given:
        return os.path.expanduser(given)
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    for name in ("prices.toml", "prices.json"):
        path = os.path.join(config, "agent-runs", name)
        if os.path.isfile(path):
            return path
    return None


def read_user(path: str) -> dict:
    """The user's models, as entries like the shipped ones; PriceError if unreadable."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
        if path.endswith(".toml"):
            import tomllib  # Python 3.11+; use prices.json on 3.10

            data = tomllib.loads(raw.decode("utf-8"))
        else:
            data = json.loads(raw)
    except (OSError, ValueError, ImportError) as exc:
        raise PriceError(f"price file {path}: {exc}") from exc
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, dict):
        raise PriceError(f"price file {path}: expected a [models.<id>] table")
    entries = []
    for model_id, spec in models.items():
        if not isinstance(spec, dict):
            raise PriceError(f"price file {path}: models.{model_id} is not a table")
        entry: dict = {"id": model_id}
        prefixes = spec.get("match")
        if isinstance(prefixes, list):
            entry["match"] = {"equals": [model_id], "prefixes": [str(p) for p in prefixes]}
        entry.update(user_rates(spec, f"price file {path}: models.{model_id}"))
        fast = spec.get("fast")
        if fast is not None:
            if not isinstance(fast, dict):
                raise PriceError(f"price file {path}: models.{model_id}.fast is not a table")
            entry["fast"] = user_rates(fast, f"price file {path}: models.{model_id}.fast")
        entries.append(entry)
    return {"models": entries}


def user_rates(spec: dict, where: str) -> dict[str, float | None]:
    """The USD per million tokens of each kind in a user's table; PriceError if not numbers."""
    found: dict[str, float | None] = {}
    for kind in KINDS:
        value = spec.get(kind)
        if value is not None and not isinstance(value, (int, float)):
            raise PriceError(f"{where}.{kind} is not a number")
        found[kind] = None if value is None else float(value)
    return found


def load() -> PriceTable:
    """The shipped table with the user's file over it (cached until the file changes).

    A user file that cannot be read is left out and named in the table's ``problem``
    (``doctor`` shows it): recording never fails on it.
    """
    path = user_file()
    stamp = None
    if path is not None:
        try:
            stamp = os.stat(path).st_mtime_ns
        except OSError:
            path = None
    key = (path, stamp)
    if key not in _cache:
        with open(SHIPPED, encoding="utf-8") as f:
            shipped = json.load(f)
        user, problem = None, None
        if path:
            try:
                user = read_user(path)
            except PriceError as exc:
                problem = str(exc)
        _cache.clear()
        _cache[key] = PriceTable(shipped, user, path, problem)
    return _cache[key]
