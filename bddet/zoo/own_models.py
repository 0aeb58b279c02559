"""Your own models beside the published zoo: register, export as a mirror, import.

Their catalogue entries are read by catalogue.py (user_models). Weights go into the cache under
the official layout (``det/models/<name>.pth``, with their MD5), the frozen config beside them
(``det/configs/<name>.py`` for a model added here, your own file; ``<name>.json`` for one
imported, data). ``export`` writes the mirror layout (``models/<name>.pth``, ``.md5``,
``configs/<name>.json`` and ``catalogue.yaml``), which ``import_models`` reads from a folder or
over HTTP. What comes from a mirror is data and is checked before it is used (mirror.py for
the files, config_data.py for the config): importing a model never runs anything it holds.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import yaml

from ..atomic_write import atomic_path, atomic_write_bytes, atomic_write_text
from .cache import cached_path, md5_of
from .catalogue import (UserModelError, ZooModel, list_models, model_to_entry,
                        read_user_catalogue, resolve_model, sample_models, user_catalogue_path, user_models)
from .mirror import CATALOGUE_NAME, NAME_RE

# Run-specific settings a training run's dumped config carries that a model entry must not
_RUN_KEYS = ("work_dir", "launcher", "resume", "load_from", "model_wrapper_cfg")


@dataclass
class AddResult:
    """A registered model: its entry, where the entry was written, and its files."""

    model: ZooModel
    catalogue: Path        # bddet.yaml or the per-user models.yaml
    weights: Path          # in the cache
    config: Path           # the frozen config, in the cache


@dataclass
class ExportResult:
    """An exported model: the mirror folder, its catalogue.yaml and the model."""

    folder: Path
    catalogue: Path
    model: ZooModel


def check_name(name: str, workspace=None, replace_existing: bool = False) -> None:
    """A new user model's name: well formed, never a published name, not taken unless replacing."""
    if not NAME_RE.match(name):
        raise UserModelError(f"model name '{name}': use lower-case letters, digits, '_', '.' and '-' "
                             "(it names files in the cache and on mirrors)")
    for model in (*list_models(), *sample_models()):
        if name in (model.name, model.alias):
            raise UserModelError(f"model name '{name}' is a published zoo model's; a model of your own must never "
                                 "shadow one: choose another name")
    if not replace_existing and any(m.name == name for m in user_models(workspace)):
        raise UserModelError(f"model name '{name}' is taken by one of your models (`bddet models` lists them); "
                             "choose another name, or pass --replace")


@contextlib.contextmanager
def _edit_catalogue(workspace, scope: str) -> Iterator[tuple[list, Path]]:
    """Yield the entry list of the chosen catalogue for changes; written atomically afterwards."""
    if scope == "workspace":
        if workspace is None:
            raise UserModelError("no workspace to keep the model in; run `bddet init`, or use the per-user "
                                 "catalogue (--user)")
        with workspace.edit() as manifest:
            manifest["models"] = list(manifest.get("models") or [])
            yield manifest["models"], workspace.manifest_path
        return
    path = user_catalogue_path()
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        entries = read_user_catalogue(path)  # a file that does not read is refused, never rewritten
        yield entries, path
        atomic_write_text(path, "# bddet: your own models (bddet models add / import)\n"
                          + yaml.safe_dump({"models": entries}, sort_keys=False, allow_unicode=True))


def _freeze_config(config: Path, out: Path) -> dict:
    """Write ``config`` with every _base_ resolved to ``out``; return facts for the entry."""
    from mmengine.config import Config

    from .config_files import ConfigError

    try:
        cfg = Config.fromfile(str(config), import_custom_modules=False)
    except Exception as e:  # noqa: BLE001 - any loading failure is the config's
        raise ConfigError(f"{config}: cannot be loaded ({type(e).__name__}: {e})") from None
    for key in _RUN_KEYS:
        cfg.pop(key, None)
    # work dirs of bddet before 0.2 name a progress hook that exists no more (bars are the CLI's now)
    hooks = [h for h in cfg.get("custom_hooks", []) if h.get("type") != "RichProgressHook"]
    if "custom_hooks" in cfg:
        cfg.custom_hooks = hooks
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, cfg.pretty_text)
    model = cfg.get("model", {})
    optim = cfg.get("optim_wrapper", {}) or {}
    epochs = (cfg.get("train_cfg") or {}).get("max_epochs")
    return dict(network=str(model.get("type", "")), backbone=str((model.get("backbone") or {}).get("type", "")),
                schedule=f"{epochs}e" if epochs else "", fp16=optim.get("type") == "AmpOptimWrapper")


def _check_builds_and_fits(config: Path, weights: Path) -> int:
    """Build the model of ``config`` and load ``weights`` strictly; return its parameter count."""
    from .checkpoint import build_detector
    from .config_files import prepare_model_config

    model = build_detector(prepare_model_config(config), weights)  # ConfigError or CheckpointError: one line
    return sum(p.numel() for p in model.parameters())


def _latest_val_ap(workspace, checkpoint: Path) -> float | None:
    """The AP of the last `bddet eval --set val` of an inference run with these weights."""
    if workspace is None:
        return None
    manifest = workspace.read()
    runs = {rid for rid, r in manifest["infer_runs"].items()
            if r.get("weights") and Path(r["weights"]).resolve() == checkpoint.resolve()}
    evals = [e for e in manifest["eval_results"].values() if e.get("run") in runs and e.get("set") == "val"
             and e.get("AP") is not None]
    return float(evals[-1]["AP"]) if evals else None


def add_model(name: str, *, workspace=None, from_run: str | None = None, config: str | os.PathLike[str] | None = None,
              weights: str | os.PathLike[str] | None = None, ap_val: float | None = None, scope: str | None = None,
              replace_existing: bool = False) -> AddResult:
    """Register a model of one's own under ``name``: from a training run, or a config and weights.

    ``from_run`` (a workspace training run id) freezes the config the run trained with (the one
    mmengine dumped into its work dir, overrides included) and takes its last checkpoint and the
    AP of its last val evaluation. Otherwise ``config`` and ``weights`` name the files and
    ``ap_val`` the AP. The weights must load strictly into the model the config builds.
    ``scope`` is "workspace" (bddet.yaml, the default with a workspace) or "user".
    """
    scope = scope or ("workspace" if workspace is not None else "user")
    if scope not in ("workspace", "user"):
        raise UserModelError(f"scope '{scope}': choose workspace or user")
    check_name(name, workspace, replace_existing)
    if from_run is not None:
        if config is not None or weights is not None:
            raise UserModelError("give either a training run, or a config and weights")
        if workspace is None:
            raise UserModelError(f"training run '{from_run}': no workspace to find it in")
        run = workspace.read()["train_runs"].get(from_run)
        if run is None:
            known = ", ".join(workspace.read()["train_runs"]) or "none"
            raise UserModelError(f"no training run '{from_run}' in {workspace.manifest_path} (known: {known})")
        if not run.get("last_checkpoint") or not workspace.resolve(run["last_checkpoint"]).is_file():
            raise UserModelError(f"training run '{from_run}' has no checkpoint (it saved none, or it was removed)")
        weights_path = workspace.resolve(run["last_checkpoint"])
        work_dir = workspace.resolve(run["work_dir"])
        dumped = work_dir / Path(run["config"]).name
        config_path = dumped if dumped.is_file() else Path(run["config"])
        if ap_val is None:
            ap_val = _latest_val_ap(workspace, weights_path)
    else:
        if config is None or weights is None:
            raise UserModelError("give a training run (--from-run), or both --config and --weights")
        config_path, weights_path = Path(config).expanduser(), Path(weights).expanduser()
        for what, path in (("config", config_path), ("weights", weights_path)):
            if not path.is_file():
                raise UserModelError(f"{what} {path}: no such file")
    final_weights = cached_path(f"models/{name}.pth")
    final_config = cached_path(f"configs/{name}.py")
    staged_config = final_config.with_name(f".{name}.staged.py")
    try:
        facts = _freeze_config(config_path, staged_config)
        params = _check_builds_and_fits(staged_config, weights_path)
        md5 = md5_of(weights_path)
        final_weights.parent.mkdir(parents=True, exist_ok=True)
        part = final_weights.with_name(final_weights.name + ".part")
        shutil.copyfile(weights_path, part)
        os.replace(part, final_weights)
        atomic_write_text(final_weights.with_name(final_weights.name + ".md5"), md5 + "\n")
        os.replace(staged_config, final_config)
    finally:
        staged_config.unlink(missing_ok=True)
    model = ZooModel(name=name, family="user", network=facts["network"], backbone=facts["backbone"],
                 schedule=facts["schedule"], ms_train=False, fp16=facts["fp16"], strong=False,
                 ap_val=None if ap_val is None else float(ap_val), ap_test=None, params=params,
                 config_file=str(final_config), source="user", md5=md5)
    catalogue = _write_entry(model, workspace, scope)
    if workspace is not None:
        from ..workspace import record_weights

        record_weights(workspace, name, final_weights, md5, True)
    return AddResult(model, catalogue, final_weights, final_config)


def _write_entry(model: ZooModel, workspace, scope: str) -> Path:
    with _edit_catalogue(workspace, scope) as (entries, path):
        entries[:] = [e for e in entries if e.get("name") != model.name] + [model_to_entry(model)]
    return path


def resolve_user_model(name: str, workspace=None) -> ZooModel:
    """One of your models by name or prefix; a published name is an error here."""
    model = resolve_model(name, workspace)
    if model.source != "user":
        raise UserModelError(f"{model.alias} is a published zoo model; only your own models are exported")
    return model


def _shareable_config(model: ZooModel) -> bytes:
    """The model's config as the JSON a mirror carries: a frozen ``.py`` is loaded (it is this
    user's own file) and written as data; an imported one is already data and is checked again."""
    from mmengine.config import Config

    from .config_data import config_to_json, read_config_data
    from .config_files import ConfigError

    path = Path(model.config)
    if path.suffix == ".json":
        return config_to_json(read_config_data(path, model.config_sha256), str(path))
    try:
        cfg = Config.fromfile(str(path), import_custom_modules=False)
    except Exception as e:  # noqa: BLE001 - any loading failure is the config's
        raise ConfigError(f"{path}: cannot be loaded ({type(e).__name__}: {e})") from None
    return config_to_json(cfg, f"{model.name}'s config {path}")


def export_model(name: str, out: str | os.PathLike[str], *, workspace=None) -> ExportResult:
    """Write one of your models into ``out`` in the mirror layout.

    The folder, served over HTTP or copied, is a mirror that ``import_models`` reads. The config
    goes as JSON data (every _base_ resolved), with its SHA-256 beside the weights' MD5 and size
    in catalogue.yaml; a config that is not plain, shareable data (other imports, types MMDetection
    does not register) is refused here, as an importer would refuse it. Models exported into the
    same folder share its catalogue.yaml.
    """
    import hashlib

    from .mirror import parse_catalogue

    model = resolve_user_model(name, workspace)
    weights = cached_path(model.artifact_path("weights"))
    if not weights.is_file():
        raise UserModelError(f"{model.name}: its weights are not in the cache ({weights}); "
                             f"run `bddet download {model.name}` first")
    actual = md5_of(weights)
    if model.md5 and actual != model.md5:
        raise UserModelError(f"{weights}: MD5 {actual} differs from the catalogue's {model.md5}")
    config = _shareable_config(model)
    out = Path(out).expanduser()
    catalogue = out / CATALOGUE_NAME
    existing = parse_catalogue(catalogue.read_bytes(), str(catalogue)) if catalogue.is_file() else []
    config_rel = f"configs/{model.name}.json"
    entry = model_to_entry(replace(model, config_file=config_rel, mirror=None, md5=actual,
                                   config_sha256=hashlib.sha256(config).hexdigest(), size=weights.stat().st_size))
    with atomic_path(out / model.artifact_path("weights")) as part:
        shutil.copyfile(weights, part)
    atomic_write_text(out / model.artifact_path("md5"), f"{actual}  {model.name}.pth\n")
    atomic_write_bytes(out / config_rel, config)
    entries = [e for e in existing if e.get("name") != model.name] + [entry]
    atomic_write_text(catalogue, "# bddet models in the mirror layout: `bddet models import <this folder or its URL>`\n"
                      + yaml.safe_dump({"models": entries}, sort_keys=False, allow_unicode=True))
    return ExportResult(out, catalogue, model)


def _stage_weights(mirror, model: ZooModel, part: Path) -> None:
    """The model's weights from the mirror into ``part``: exactly its size, its MD5, or refused."""
    from .cache import md5_of
    from .download import fetch_file
    from .mirror import MirrorError

    rel = model.artifact_path("weights")
    if mirror.is_http:
        fetch_file(mirror.where(rel), part, session=mirror.session(), max_bytes=model.size)
    else:
        src = mirror.local_file(rel)
        if src.stat().st_size != model.size:
            raise MirrorError(f"{src}: {src.stat().st_size} bytes, not the {model.size} its catalogue entry says")
        shutil.copyfile(src, part)
    size = part.stat().st_size
    if size != model.size:
        raise MirrorError(f"{mirror.where(rel)}: {size} bytes, not the {model.size} its catalogue entry says")
    digest = md5_of(part)
    if digest != model.md5:
        raise MirrorError(f"{mirror.where(rel)}: MD5 {digest}, not the catalogue's {model.md5}; refused")


def import_models(source: str | os.PathLike[str], *, workspace=None, names: list[str] | None = None,
                  scope: str | None = None) -> list[ZooModel]:
    """Add the models of a mirror (a folder or URL that ``export_model`` wrote) to a catalogue.

    Nothing a mirror sends is run: its catalogue is bounded YAML data, each entry's fields are
    checked (a name or path can point nowhere but inside the mirror and the cache), its config
    is JSON data that must match the entry's SHA-256 and pass config_data's checks, its weights
    must have the entry's size and MD5, load weights-only and fit the model the config builds.
    Only when every model of the import passes is anything written to the cache and the
    catalogue; a refusal is one line (MirrorError, UnsafeConfigError, CheckpointError).
    Returns the models added.
    """
    import hashlib

    from .checkpoint import CheckpointError, build_detector
    from .config_data import MAX_BYTES, parse_config_json
    from .config_files import prepare_model_config
    from .mirror import CATALOGUE_NAME as MIRROR_CATALOGUE
    from .mirror import MAX_CATALOGUE_BYTES, Mirror, MirrorError, entry_model, parse_catalogue

    mirror = Mirror(str(source))
    where = mirror.where(MIRROR_CATALOGUE)
    entries = parse_catalogue(mirror.read(MIRROR_CATALOGUE, MAX_CATALOGUE_BYTES), where)
    models = [entry_model(e, where) for e in entries]
    if names:
        missing = sorted(set(names) - {m.name for m in models})
        if missing:
            raise UserModelError(f"{mirror.source}: has no model {', '.join(missing)}")
        models = [m for m in models if m.name in names]
    scope = scope or ("workspace" if workspace is not None else "user")
    if scope == "workspace" and workspace is None:
        raise UserModelError("no workspace to keep the models in; run `bddet init`, or use --user")
    for model in models:
        check_name(model.name, workspace)
    staged: list[tuple[ZooModel, Path, Path]] = []
    try:
        for model in models:
            config_final = cached_path(f"configs/{model.name}.json")
            weights_final = cached_path(model.artifact_path("weights"))
            config_part = config_final.with_name(f".{config_final.name}.importing")
            weights_part = weights_final.with_name(f".{weights_final.name}.importing")
            staged.append((model, config_part, weights_part))
            raw = mirror.read(model.config_file, MAX_BYTES)
            if hashlib.sha256(raw).hexdigest() != model.config_sha256:
                raise MirrorError(f"{mirror.where(model.config_file)}: not the config its catalogue entry names "
                                  "(SHA-256 differs); refused")
            parse_config_json(raw, mirror.where(model.config_file))  # refused here, before anything is fetched
            config_part.parent.mkdir(parents=True, exist_ok=True)
            config_part.write_bytes(raw)
            cfg = prepare_model_config(config_part, sha256=model.config_sha256)  # checked as data, not run
            weights_part.parent.mkdir(parents=True, exist_ok=True)
            _stage_weights(mirror, model, weights_part)
            try:
                build_detector(cfg, weights_part)
            except CheckpointError as e:
                raise CheckpointError(str(e).replace(str(weights_part), mirror.where(model.artifact_path("weights"))))
        added = []
        for model, config_part, weights_part in staged:
            local = replace(model, config_file=str(cached_path(f"configs/{model.name}.json")), mirror=mirror.source)
            os.replace(config_part, local.config_file)
            weights = cached_path(model.artifact_path("weights"))
            os.replace(weights_part, weights)
            atomic_write_text(weights.with_name(weights.name + ".md5"), model.md5 + "\n")
            _write_entry(local, workspace, scope)
            if workspace is not None:
                from ..workspace import record_weights

                record_weights(workspace, local.name, weights, model.md5, True)
            added.append(local)
        return added
    finally:
        for _, config_part, weights_part in staged:
            config_part.unlink(missing_ok=True)
            weights_part.unlink(missing_ok=True)
