"""Regenerate recorder/derive/prices.json from the `genai-prices` package (a maintainer's tool).

    pip install genai-prices && python scripts/update_prices.py

genai-prices (Pydantic) is a maintained, dated table of providers' published prices,
with the cache-write 5-minute and 1-hour rates and long-context tiers; it is checked
against Anthropic's pricing page. Only Anthropic's models are kept, as plain JSON
(USD per million tokens), so the recorder prices offline with the standard library.

genai-prices has no fast-mode rates: ``FAST_MODE`` holds Anthropic's, as Claude Code
2.1.337 bills a response whose ``usage.speed`` is ``"fast"`` (every token kind at its own
rate, no long-context tier); they are added to the models they name.
"""

from __future__ import annotations

import datetime
import json
import os
from decimal import Decimal

from genai_prices import data, types

OUT = os.path.join(os.path.dirname(__file__), "..", "recorder", "derive", "prices.json")
KINDS = {
    "input": "input_mtok",
    "output": "output_mtok",
    "cache_read": "cache_read_mtok",
    "cache_write_5m": "cache_write_mtok",
    "cache_write_1h": "cache_write_1h_mtok",
}


FAST_MODE = {  # model ids -> USD per million tokens in fast mode
    ("claude-opus-4-6", "claude-opus-4-7"): (30.0, 150.0, 3.0, 37.5, 60.0),
    ("claude-opus-4-8", "claude-opus-5"): (10.0, 50.0, 1.0, 12.5, 20.0),
    ("claude-opus-5-5",): (8.0, 40.0, 0.4, 10.0, 16.0),
    ("claude-fable-5-2", "claude-mythos-5-2"): (16.0, 80.0, 0.4, 20.0, 32.0),
}


# Models genai-prices does not list yet, at Anthropic's prices as Claude Code 2.1.337's
# model catalog bills them (the tiers of Fable 5 and 5.1): id -> (name, rates in KINDS order).
MISSING = {
    "claude-mythos-5": ("Claude Mythos 5", (10.0, 50.0, 1.0, 12.5, 20.0)),
    "claude-mythos-5-1": ("Claude Mythos 5.1", (10.0, 50.0, 0.25, 12.5, 20.0)),
}


def missing_entries(known: set[str]) -> list[dict]:
    """Entries for the ``MISSING`` models the table does not have."""
    return [
        {
            "id": model_id,
            "name": name,
            "match": {"equals": [model_id], "regex": [f"^{model_id}-\\d{{8}}$"]},
            **dict(zip(KINDS, rates, strict=True)),
        }
        for model_id, (name, rates) in MISSING.items()
        if model_id not in known
    ]


def with_fast_mode(entry: dict) -> dict:
    """The entry with its fast-mode rates (in ``KINDS`` order), when Anthropic has them."""
    for ids, fast in FAST_MODE.items():
        if entry["id"] in ids:
            return dict(entry, fast=dict(zip(KINDS, fast, strict=True)))
    return entry


def number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def clauses(match: object, into: dict) -> None:
    """Flatten genai-prices' match clauses into equals / prefixes / regex lists."""
    if isinstance(match, types.ClauseOr):
        for inner in match.or_:
            clauses(inner, into)
    elif isinstance(match, types.ClauseEquals):
        into["equals"].append(match.equals)
    elif isinstance(match, types.ClauseStartsWith):
        into["prefixes"].append(match.starts_with)
    elif isinstance(match, types.ClauseRegex):
        into["regex"].append(match.regex)
    elif isinstance(match, types.ClauseContains):
        into["regex"].append(".*" + match.contains.replace(".", r"\.") + ".*")


def model_entry(model: types.ModelInfo) -> dict:
    prices = model.prices
    if isinstance(prices, list):  # dated prices: the one in force now (the last)
        prices = prices[-1].prices
    entry: dict = {"id": model.id, "name": model.name}
    match: dict = {"equals": [], "prefixes": [], "regex": []}
    clauses(model.match, match)
    entry["match"] = {k: v for k, v in match.items() if v}
    tier: dict = {}
    for kind, attr in KINDS.items():
        value = getattr(prices, attr)
        if isinstance(value, types.TieredPrices):
            entry[kind] = number(value.base)
            if value.tiers:
                tier["above"] = value.tiers[0].start
                tier[kind] = number(value.tiers[0].price)
        else:
            entry[kind] = number(value)
    if tier:
        entry["tier"] = tier
    return entry


def main() -> None:
    anthropic = next(p for p in data.providers if p.id == "anthropic")
    models = [with_fast_mode(model_entry(m)) for m in anthropic.models]
    table = {
        "date": datetime.date.today().isoformat(),
        "source": "genai-prices "
        + __import__("importlib.metadata").metadata.version("genai-prices")
        + " (github.com/pydantic/genai-prices), from Anthropic's published prices;"
        " fast mode, and the models it lacks, at Anthropic's prices as Claude Code 2.1.337"
        " bills them",
        "unit": "USD per million tokens",
        "models": sorted(
            models + missing_entries({m["id"] for m in models}), key=lambda m: m["id"]
        ),
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(table, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
