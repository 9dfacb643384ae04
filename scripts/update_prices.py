"""Regenerate recorder/derive/prices.json from the `genai-prices` package (a maintainer's tool).

    pip install genai-prices && python scripts/update_prices.py

genai-prices (Pydantic) is a maintained, dated table of providers' published prices,
with the cache-write 5-minute and 1-hour rates and long-context tiers; it is checked
against Anthropic's pricing page. Only Anthropic's models are kept, as plain JSON
(USD per million tokens), so the recorder prices offline with the standard library.
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
    table = {
        "date": datetime.date.today().isoformat(),
        "source": "genai-prices "
        + __import__("importlib.metadata").metadata.version("genai-prices")
        + " (github.com/pydantic/genai-prices), from Anthropic's published prices",
        "unit": "USD per million tokens",
        "models": [model_entry(m) for m in anthropic.models],
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(table, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
