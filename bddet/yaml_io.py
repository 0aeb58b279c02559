"""YAML read as plain data, fast: libyaml's safe loader when PyYAML was built with it (ten times
the pure-Python loader's speed on zoo.yaml), else the pure-Python one; the same data either way.
Files from other people (a mirror's catalogue) are read by zoo/mirror.py's stricter loader."""
from __future__ import annotations


def load_yaml(text: str):
    """``yaml.safe_load(text)``, with libyaml when there is one."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
