"""Input hashes of batch sites (scenario text, referenced files, options, planner version) and site keys."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.inputs.catalogue import models_dir
from planner.inputs.paths import data_dir, resolve_data_path

RESULT_FORMAT = 1
"""Version of the results-folder layout (part of every input hash)."""
_FILE_KEYS = re.compile(r"(^|_)csv$")
MAX_SITE_KEY_CHARS = 120
"""Longest site id used as a file name as it is; a longer one is cut to 80 characters plus a hash."""

# ------------------------------------------------------------------------------------------------
# Hashing helpers
# ------------------------------------------------------------------------------------------------
def planner_version() -> str:
    """The planner's version (part of every input hash: a new version re-plans on ``--resume``)."""
    from planner import __version__

    return __version__


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileDigests:
    """Content hashes of referenced files, computed once per (path, size, mtime)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int, int], str] = {}

    def __call__(self, path: Path) -> str:
        try:
            st = path.stat()
        except OSError:
            return "missing"
        key = (str(path), st.st_size, st.st_mtime_ns)
        digest = self._cache.get(key)
        if digest is None:
            h = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    h.update(chunk)
            digest = self._cache[key] = h.hexdigest()
        return digest


def referenced_files(raw: Any, base_dir: Path) -> dict[str, Path]:
    """Every file a scenario dictionary refers to: series CSVs, tariff schemes, catalogue entries."""

    found: dict[str, Path] = {}

    def walk(node: Any, parent: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if isinstance(value, str):
                    if _FILE_KEYS.search(key):
                        with contextlib.suppress(Exception):
                            found[f"{parent}{key}={value}"] = resolve_data_path(value, base_dir)
                    elif key in ("scheme", "export_scheme"):
                        path = Path(value)
                        if not (value.endswith(".toml") or "/" in value):
                            with contextlib.suppress(Exception):
                                path = data_dir("tariffs") / f"{value}.toml"
                        found[f"{parent}{key}={value}"] = path if path.is_absolute() else base_dir / path
                    elif key == "model":
                        with contextlib.suppress(Exception):

                            found[f"model={value}"] = models_dir() / f"{value}.toml"
                else:
                    walk(value, f"{parent}{key}.")
        elif isinstance(node, list):
            for item in node:
                walk(item, parent)

    walk(raw, "")
    return found


def site_key(site: str) -> str:
    """File-name-safe form of a site id (a short hash is added when characters had to be replaced)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", site).strip("._") or "site"
    if safe != site or len(safe) > MAX_SITE_KEY_CHARS:  # file names are limited to 255 bytes
        safe = f"{safe[:80]}-{sha256(site.encode())[:8]}"
    return safe
