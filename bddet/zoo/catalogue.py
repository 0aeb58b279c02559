"""The model catalogue: the published zoo (zoo.yaml, data), the demo's sample model, your own
models, and the one name resolver every command and library function uses.

Your own models have the schema of zoo.yaml's entries (name, family, network, backbone,
schedule, AP...) plus where their files are. They live in a workspace (``models:`` in
bddet.yaml) or in the per-user file ``$XDG_CONFIG_HOME/bddet/models.yaml``; both are read,
the workspace's first. Registering, exporting and importing them is own_models.py.
"""
from __future__ import annotations

import difflib
import functools
import os
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path

from ..errors import BddetError, ModelNameError, OptionsError

# Suffix every published name carries; dropping it gives each model's short alias.
NAME_SUFFIX = "_det_bdd100k"
ARTIFACT_KINDS = ("weights", "md5", "scores-val", "scores-test", "preds", "visuals")
SORT_KEYS = ("zoo", "name", "ap_val", "ap_test")   # `bddet models --sort`: AP best first
OFFICIAL_BASE_ENV = "BDDET_OFFICIAL_BASE"
USER_FILE_ENV = "BDDET_USER_MODELS"   # overrides the per-user catalogue's path (tests, shared setups)


class UserModelError(BddetError):
    """A model of one's own that cannot be read, registered, exported or imported."""


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
    config_sha256: str | None = None  # users' models from a mirror: the config's digest, checked on use
    size: int | None = None         # users' models: the weights' size in bytes (a mirror must send no more)

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
            del d["md5"], d["mirror"], d["config_sha256"], d["size"]
        return d


@functools.lru_cache(maxsize=1)
def _catalogue() -> dict:
    from ..yaml_io import load_yaml  # zoo.yaml is bddet's own data: libyaml's speed is safe to take

    text = resources.files("bddet.zoo").joinpath("zoo.yaml").read_text(encoding="utf-8")
    return load_yaml(text)


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


# ---- your own models ------------------------------------------------------------------------

def user_catalogue_path() -> Path:
    """The per-user catalogue: $BDDET_USER_MODELS, else $XDG_CONFIG_HOME/bddet/models.yaml."""
    if os.environ.get(USER_FILE_ENV):
        return Path(os.environ[USER_FILE_ENV]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "bddet" / "models.yaml"


def entry_to_model(entry: dict, where: Path | str) -> ZooModel:
    """A catalogue entry (a mapping of ZooModel fields) as a model of one's own."""
    known = {f.name for f in fields(ZooModel)}
    unknown = sorted(set(entry) - known, key=str)
    if unknown or not isinstance(entry.get("name"), str):
        raise UserModelError(f"{where}: model entry {entry.get('name', '?')!r} has unknown or missing fields "
                             f"({', '.join(map(str, unknown)) or 'name'})")
    defaults = dict(family="user", network="", backbone="", schedule="", ms_train=False, fp16=False, strong=False,
                    ap_val=None, ap_test=None)
    return ZooModel(**{**defaults, **entry, "source": "user"})


def model_to_entry(model: ZooModel) -> dict:
    """The catalogue entry of a model of one's own (fields without a value left out)."""
    entry = {k: v for k, v in asdict(model).items() if v is not None and k != "source"}
    if not entry.get("tricks"):
        entry.pop("tricks", None)
    return entry


def read_user_catalogue(path: Path) -> list[dict]:
    """The entries of a per-user models.yaml (none when it does not exist)."""
    if not path.is_file():
        return []
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise UserModelError(f"{path}: malformed YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("models", []), list):
        raise UserModelError(f"{path}: expected a mapping with a 'models' list")
    return list(data.get("models") or [])


def user_models(workspace=None) -> tuple[ZooModel, ...]:
    """The models of the workspace's catalogue, then the per-user file's (a name once, the first)."""
    found: dict[str, ZooModel] = {}
    if workspace is not None:
        for entry in workspace.read().get("models") or []:
            model = entry_to_model(entry, workspace.manifest_path)
            found.setdefault(model.name, model)
    path = user_catalogue_path()
    for entry in read_user_catalogue(path):
        model = entry_to_model(entry, path)
        found.setdefault(model.name, model)
    return tuple(found.values())


# ---- the one resolver -----------------------------------------------------------------------

def resolve_model_name(query: str, user_models: tuple[ZooModel, ...] | list[ZooModel] = ()) -> ZooModel:
    """Find the one model a user means by a full name, alias or unambiguous prefix.

    Case-insensitive; a trailing ``.py``/``.pth`` and leading folders are ignored so a
    config or weights path works too. ``user_models`` (bddet.user_models) join the published
    ones; resolve_model passes a workspace's. Raises ModelNameError listing the candidates when
    the query is ambiguous, or the closest names when nothing matches.
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
    what = "model" if user_models else "zoo model"
    raise ModelNameError(f"no {what} is called '{query}'{hint}")


def resolve_model(query: str, workspace=None) -> ZooModel:
    """The model a command or library function means by ``query``: a zoo, sample or own model
    (the workspace's and the per-user catalogue's). Every name a user types goes through here."""
    return resolve_model_name(query, user_models(workspace))


def model_named(name: str | None, workspace=None) -> ZooModel | None:
    """The model whose full name is exactly ``name`` (a run record's, a published preds file's), else None."""
    if not name:
        return None
    return next((m for m in (*list_models(), *sample_models(), *user_models(workspace)) if m.name == name), None)


# ---- listing --------------------------------------------------------------------------------

def check_sort(sort: str) -> None:
    """The one check of a `--sort` key (OptionsError: a usage error, exit 2)."""
    if sort not in SORT_KEYS:
        raise OptionsError(f"--sort {sort}: choose one of {', '.join(SORT_KEYS)}")


def _select(models, text: str | None, family: str | None, sort: str) -> list[ZooModel]:
    """Models whose name contains ``text`` and family ``family`` (case and punctuation aside), ordered."""
    check_sort(sort)

    def norm(s: str) -> str:
        return "".join(ch for ch in s.lower() if ch.isalnum())

    out = [m for m in models if (not text or text.lower() in m.name.lower())
           and (not family or norm(family) in norm(m.family))]
    if sort == "name":
        out.sort(key=lambda m: m.name)
    elif sort in ("ap_val", "ap_test"):  # best first; a model without that AP last
        out.sort(key=lambda m: -(getattr(m, sort) if getattr(m, sort) is not None else float("-inf")))
    return out


def filter_models(text: str | None = None, family: str | None = None, sort: str = "zoo") -> list[ZooModel]:
    """Published models whose name contains ``text`` and whose family contains ``family``.

    ``sort`` is one of SORT_KEYS: ``zoo`` (README order), ``name``, ``ap_val`` or ``ap_test``
    (best first). An unknown key raises OptionsError.
    """
    return _select(list_models(), text, family, sort)


def filter_user_models(text: str | None = None, family: str | None = None, sort: str = "zoo",
                       workspace=None) -> list[ZooModel]:
    """Your models, filtered and ordered as filter_models orders the zoo's."""
    return _select(user_models(workspace), text, family, sort)
