"""The model-zoo catalogue (zoo.yaml, data) and the one name resolver every command uses."""
from __future__ import annotations

import difflib
import functools
import os
from dataclasses import asdict, dataclass
from importlib import resources

import yaml

from ..errors import ModelNameError

# Suffix every published name carries; dropping it gives each model's short alias.
NAME_SUFFIX = "_det_bdd100k"
ARTIFACT_KINDS = ("weights", "md5", "scores-val", "scores-test", "preds", "visuals")


@dataclass(frozen=True)
class ZooModel:
    """One published model: its recipe facts, published AP and artifact locations."""

    name: str
    family: str
    network: str
    backbone: str
    schedule: str
    ms_train: bool
    fp16: bool
    strong: bool
    ap_val: float
    ap_test: float | None
    params: int = 0
    tricks: bool = False
    proposals: int | None = None
    config_file: str | None = None  # the sample's and users' models; zoo configs follow the name
    source: str = "published"       # published, sample, or user (a catalogue of one's own)
    md5: str | None = None          # users' models: the weights' MD5, checked on every fetch
    mirror: str | None = None       # users' models: a base URL or folder in the mirror layout

    @property
    def alias(self) -> str:
        """The name without the common ``_det_bdd100k`` suffix."""
        return self.name.removesuffix(NAME_SUFFIX)

    @property
    def config(self) -> str:
        """The config path relative to the package (``bddet/configs`` is the repository's ``configs/``)."""
        return self.config_file or f"configs/det/{self.name}.py"

    def artifact_path(self, kind: str) -> str:
        """The artifact's path below a base URL or the cache's ``det/`` folder, e.g. ``models/<name>.pth``."""
        return _catalogue()["artifacts"][kind].format(name=self.name)

    def artifact_url(self, kind: str, base_url: str | None = None) -> str:
        """The artifact's URL under ``base_url`` (the official host by default)."""
        base = base_url or official_base_url()
        return base.rstrip("/") + "/" + self.artifact_path(kind)

    def to_dict(self) -> dict:
        """Plain data for ``--json``: the catalogue fields plus config and artifact URLs."""
        d = asdict(self)
        del d["config_file"]
        d["alias"] = self.alias
        d["config"] = self.config
        if self.source == "user":
            d["weights_url"] = self.artifact_url("weights", self.mirror) if self.mirror else None
        else:
            d.update({f"{k.replace('-', '_')}_url": self.artifact_url(k) for k in ARTIFACT_KINDS})
            del d["md5"], d["mirror"]
        return d


@functools.lru_cache(maxsize=1)
def _catalogue() -> dict:
    text = resources.files("bddet.zoo").joinpath("zoo.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


OFFICIAL_BASE_ENV = "BDDET_OFFICIAL_BASE"


def official_base_url() -> str:
    """The zoo's official artifact host (down since March 2026; mirrors follow its layout).

    $BDDET_OFFICIAL_BASE replaces it, for when the zoo finds a new home (and for tests).
    """
    return os.environ.get(OFFICIAL_BASE_ENV) or _catalogue()["base_url"]


@functools.lru_cache(maxsize=1)
def list_models() -> tuple[ZooModel, ...]:
    """All published models, in the zoo README's order."""
    return tuple(ZooModel(**m) for m in _catalogue()["models"])


@functools.lru_cache(maxsize=1)
def sample_models() -> tuple[ZooModel, ...]:
    """Models bddet trained on its synthetic sample (for the demo); resolvable, but not zoo models."""
    return tuple(ZooModel(**{**m, "source": "sample"}) for m in _catalogue().get("sample_models", ()))


def resolve_model_name(query: str, user_models: tuple[ZooModel, ...] | list[ZooModel] = ()) -> ZooModel:
    """Find the one model a user means by a full name, alias or unambiguous prefix.

    Case-insensitive; a trailing ``.py``/``.pth`` and leading folders are ignored so a
    config or weights path works too. ``user_models`` (bddet.user_models.user_models) join
    the published ones. Raises ModelNameError listing the candidates when the query is
    ambiguous, or the closest names when nothing matches.
    """
    q = query.strip().rsplit("/", 1)[-1].lower()
    for ext in (".py", ".pth"):
        q = q.removesuffix(ext)
    models = list_models() + sample_models() + tuple(user_models)
    for m in models:
        if q in (m.name, m.alias):
            return m
    matches = [m for m in models if m.name.startswith(q)] if q else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(m.alias for m in matches[:12]) + (", …" if len(matches) > 12 else "")
        raise ModelNameError(f"model name '{query}' is ambiguous: it matches {len(matches)} models ({names}); "
                             "give more of the name")
    close = difflib.get_close_matches(q, [m.alias for m in models], n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `bddet models` lists them"
    raise ModelNameError(f"no zoo model is called '{query}'{hint}")


def filter_models(text: str | None = None, family: str | None = None, sort: str = "zoo") -> list[ZooModel]:
    """Models whose name contains ``text`` and whose family contains ``family`` (case-insensitive).

    ``sort`` is ``zoo`` (README order), ``name``, ``ap_val`` or ``ap_test`` (best first).
    """
    def norm(s: str) -> str:
        return "".join(ch for ch in s.lower() if ch.isalnum())

    out = [m for m in list_models()
           if (not text or text.lower() in m.name.lower())
           and (not family or norm(family) in norm(m.family))]
    if sort == "name":
        out.sort(key=lambda m: m.name)
    elif sort in ("ap_val", "ap_test"):
        out.sort(key=lambda m: getattr(m, sort), reverse=True)
    elif sort != "zoo":
        raise ValueError(f"unknown sort key {sort!r}")
    return out
