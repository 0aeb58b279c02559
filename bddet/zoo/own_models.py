"""Your own models beside the published zoo: register, export as a mirror, import.

Their catalogue entries are read by catalogue.py (user_models). Weights go into the cache under
the official layout (``det/models/<name>.pth``, with their MD5), the frozen config beside them
(``det/configs/<name>.py``). ``export`` writes the mirror layout (``models/<name>.pth``,
``.md5``, ``configs/<name>.py`` and ``catalogue.yaml``), which ``import_models`` reads from a
folder or over HTTP, so a colleague's bddet fetches and checks the model as a zoo model.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import yaml

from ..atomic_write import atomic_write_bytes, atomic_write_text
from .cache import cached_path, md5_of
from .catalogue import (UserModelError, ZooModel, entry_to_model, list_models, model_to_entry,
                        read_user_catalogue, resolve_model, sample_models, user_catalogue_path, user_models)

CATALOGUE_NAME = "catalogue.yaml"      # the snippet an exported mirror carries
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,127}$")
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
    if not _NAME_RE.match(name):
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
    from .checkpoint import CheckpointError, build_detector
    from .config_files import prepare_model_config

    try:
        model = build_detector(prepare_model_config(config), weights)
    except CheckpointError:
        raise
    except Exception as e:  # noqa: BLE001 - whatever stops the build is the config's problem
        raise UserModelError(f"{config}: the model does not build ({type(e).__name__}: "
                             f"{str(e).splitlines()[0] if str(e) else ''})") from None
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


def export_model(name: str, out: str | os.PathLike[str], *, workspace=None) -> ExportResult:
    """Write one of your models into ``out`` in the mirror layout.

    The folder, served over HTTP or copied, is a mirror that ``import_models`` reads. Models
    exported into the same folder share its catalogue.yaml.
    """
    model = resolve_user_model(name, workspace)
    weights = cached_path(model.artifact_path("weights"))
    if not weights.is_file():
        raise UserModelError(f"{model.name}: its weights are not in the cache ({weights}); "
                             f"run `bddet download {model.name}` first")
    actual = md5_of(weights)
    if model.md5 and actual != model.md5:
        raise UserModelError(f"{weights}: MD5 {actual} differs from the catalogue's {model.md5}")
    out = Path(out).expanduser()
    (out / "models").mkdir(parents=True, exist_ok=True)
    (out / "configs").mkdir(parents=True, exist_ok=True)
    part = out / "models" / f".{model.name}.pth.part"
    shutil.copyfile(weights, part)
    os.replace(part, out / "models" / f"{model.name}.pth")
    atomic_write_text(out / model.artifact_path("md5"), f"{model.md5}  {model.name}.pth\n")
    atomic_write_bytes(out / "configs" / f"{model.name}.py", Path(model.config).read_bytes())
    entry = model_to_entry(replace(model, config_file=f"configs/{model.name}.py", mirror=None))
    catalogue = out / CATALOGUE_NAME
    existing = _read_catalogue_text(catalogue.read_text(encoding="utf-8"), str(catalogue)) if catalogue.is_file() else []
    entries = [e for e in existing if e.get("name") != model.name] + [entry]
    atomic_write_text(catalogue, "# bddet models in the mirror layout: `bddet models import <this folder or its URL>`\n"
                      + yaml.safe_dump({"models": entries}, sort_keys=False, allow_unicode=True))
    return ExportResult(out, catalogue, model)


def _read_catalogue_text(text: str, where: str) -> list[dict]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise UserModelError(f"{where}: malformed YAML ({str(e).splitlines()[0]})") from None
    entries = data.get("models") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("name"), str)
                                                 for e in entries):
        raise UserModelError(f"{where}: not a bddet catalogue (expected 'models:' with named entries)")
    return entries


def _fetch(source: str, rel: str) -> bytes:
    """A file of a mirror: a folder or an HTTP(S) base URL."""
    if source.startswith(("http://", "https://")):
        import requests

        url = source.rstrip("/") + "/" + rel
        try:
            r = requests.get(url, timeout=(5, 30))
        except requests.RequestException as e:
            raise UserModelError(f"{url}: cannot be fetched ({type(e).__name__})") from None
        if r.status_code != 200:
            raise UserModelError(f"{url}: HTTP {r.status_code}")
        return r.content
    path = Path(source).expanduser() / rel
    if not path.is_file():
        raise UserModelError(f"{path}: no such file (is {source} a folder that `bddet models export` wrote?)")
    return path.read_bytes()


def import_models(source: str | os.PathLike[str], *, workspace=None, names: list[str] | None = None,
                  scope: str | None = None) -> list[ZooModel]:
    """Add the models of a mirror (a folder or URL that ``export_model`` wrote) to a catalogue.

    Each model's weights are fetched into the cache and checked against the catalogue's MD5 as
    zoo weights are; its config goes beside them. Returns the models added.
    """
    from .download import download_artifact

    source = str(source)
    if not source.startswith(("http://", "https://")):
        source = str(Path(source).expanduser().resolve())
    entries = _read_catalogue_text(_fetch(source, CATALOGUE_NAME).decode("utf-8"), f"{source}/{CATALOGUE_NAME}")
    if names:
        missing = sorted(set(names) - {e["name"] for e in entries})
        if missing:
            raise UserModelError(f"{source}: has no model {', '.join(missing)}")
        entries = [e for e in entries if e["name"] in names]
    scope = scope or ("workspace" if workspace is not None else "user")
    models = [entry_to_model(e, Path(source) / CATALOGUE_NAME) for e in entries]
    for model in models:
        check_name(model.name, workspace)
        if not model.md5:
            raise UserModelError(f"{source}: {model.name} has no MD5 in its catalogue entry; it cannot be checked")
    added = []
    for model in models:
        config_rel = model.config_file or f"configs/{model.name}.py"
        config = cached_path(f"configs/{model.name}.py")
        atomic_write_bytes(config, _fetch(source, config_rel))
        local = replace(model, config_file=str(config), mirror=source)
        is_url = source.startswith(("http://", "https://"))
        result = download_artifact(local, "weights", mirrors=[source] if is_url else (), expected_md5=model.md5,
                                   from_file=None if is_url else Path(source) / local.artifact_path("weights"))
        _write_entry(local, workspace, scope)
        if workspace is not None:
            from ..workspace import record_weights

            record_weights(workspace, local.name, result.path, result.md5, True)
        added.append(local)
    return added
