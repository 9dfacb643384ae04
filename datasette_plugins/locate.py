"""Where the package keeps ``metadata.yml`` and ``canned_queries/``.

In a checkout (and an editable install) they sit at the repository root, beside this
package. A wheel carries them as ``recorder/data/metadata.yml`` and
``recorder/data/canned_queries/``, beside this package in site-packages.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The directory holding ``metadata.yml`` (and ``canned_queries/``), or None if absent."""
    for candidate in (package_dir.parent, package_dir.parent / "recorder" / "data"):
        if (candidate / "metadata.yml").is_file():
            return candidate
    return None
