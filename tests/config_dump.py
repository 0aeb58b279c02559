"""The effective (fully inherited) config of each zoo model as plain JSON data.

tests/data/effective_configs.json.gz holds this dump as it was before the config refactor of
the library-API issue; tests/test_configs.py compares every model against it.
Regenerate (only for an intended change, explained in the test): python -m tests.config_dump
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path

DUMP = Path(__file__).resolve().parent / "data" / "effective_configs.json.gz"


def effective_config(path: str | Path) -> dict:
    """The config as mmengine resolves it (all bases merged), tuples as lists."""
    from mmengine.config import Config

    cfg = Config.fromfile(str(path), import_custom_modules=False)
    return json.loads(json.dumps(cfg.to_dict(), sort_keys=True, default=repr))


def dump_all() -> dict[str, dict]:
    from bddet.config import config_path
    from bddet.zoo import list_models

    return {m.name: effective_config(config_path(m)) for m in list_models()}


if __name__ == "__main__":
    DUMP.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(DUMP, "wt") as f:
        json.dump(dump_all(), f, sort_keys=True)
    print(f"wrote {DUMP}")
