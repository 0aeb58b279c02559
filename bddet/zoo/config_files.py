"""The zoo's MMDetection configs: where a model's config file is, loading one with the data root
filled in, and preparing one to build its model.

The configs under ``configs/det/`` carry no data paths (only the BDD100K layout below a
root); whoever runs them says where the data is. Loading a config imports mmengine only.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import BddetError, error_reason
from .catalogue import ZooModel, resolve_model

# bddet/configs is a link to the repository's configs/, so a wheel carries the configs inside
# the package and an installed bddet finds them where a source checkout does.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
CONFIG_DIR = PACKAGE_DIR / "configs" / "det"


class ConfigError(BddetError):
    """A config that cannot be found or loaded."""


def config_path(model: ZooModel) -> Path:
    """The config file of a zoo (or sample) model."""
    return PACKAGE_DIR / model.config


def resolve_config(model_or_path: str, workspace=None) -> tuple[Path, ZooModel | None]:
    """A zoo model name (any unambiguous prefix, your own models of ``workspace`` and the
    per-user catalogue included) or a path to a config file."""
    if model_or_path.endswith(".py") and Path(model_or_path).is_file():
        return Path(model_or_path).resolve(), None
    if model_or_path.endswith(".py") and os.sep in model_or_path:
        raise ConfigError(f"{model_or_path}: no such config file")
    model = resolve_model(model_or_path, workspace)
    return config_path(model), model


def _datasets(cfg):
    """Every dataset dict of the train/val/test loaders, including ones wrapped by a mix dataset."""
    for loader in ("train_dataloader", "val_dataloader", "test_dataloader"):
        ds = cfg.get(loader, {}).get("dataset")
        while ds is not None:
            yield ds
            ds = ds.get("dataset")


def load_config(path: str | os.PathLike[str], data_root: str | os.PathLike[str] | None = None,
                cfg_options: dict | None = None, sha256: str | None = None):
    """Load a config, point its datasets and evaluators at ``data_root``, apply options.

    A config with a ``sha256`` (a model imported from a mirror) is data from someone else: it is
    read by config_data.read_config_data, checked and never executed, and must still have that
    digest. Any other config is the user's own and loads with mmengine's Config.fromfile; what
    mmengine refuses (a syntax error, a lazy-import error) is a ConfigError naming the file.
    """
    from mmengine.config import Config

    if sha256 is not None:
        from .config_data import read_config_data

        cfg = read_config_data(path, sha256)
        if cfg.get("custom_imports"):  # modules config_data allows (bddet.mm, mmpretrain.models), as fromfile would
            from mmengine.utils import import_modules_from_strings

            import_modules_from_strings(**cfg.custom_imports)
    else:
        try:
            cfg = Config.fromfile(str(path))
        except FileNotFoundError as e:
            raise ConfigError(f"{path}: {e}") from None
        except Exception as e:  # noqa: BLE001 - whatever mmengine refuses is the config's problem
            raise ConfigError(f"{path}: cannot be loaded ({error_reason(e)})") from None
    if data_root is not None:
        root = str(data_root)
        for ds in _datasets(cfg):
            if "data_root" in ds:
                ds["data_root"] = root
        for key in ("val_evaluator", "test_evaluator"):
            ev = cfg.get(key)
            if isinstance(ev, dict) and ev.get("ann_file") and not os.path.isabs(ev["ann_file"]):
                ev["ann_file"] = os.path.join(root, ev["ann_file"])
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def config_digest(model: ZooModel | None) -> str | None:
    """The SHA-256 a model's config must have, for a model imported from a mirror (else None).

    A model imported by a bddet that did not check configs has a Python config from the mirror:
    it is refused rather than run.
    """
    if model is None or model.source != "user" or not model.mirror:
        return None
    if not model.config_sha256:
        raise ConfigError(f"{model.name}: imported from {model.mirror} before bddet checked mirrors' configs; its "
                          "config is Python from the mirror and is not run. Import it again from a mirror exported "
                          "by this bddet (`bddet models export`)")
    return model.config_sha256


ZOO_CUSTOM_IMPORTS = ("bddet.mm",)  # what the zoo's configs name in custom_imports


def register_modules() -> None:
    """MMDetection's modules registered (mmdet the default scope) and the zoo's own (the dataset,
    metric and hooks), by name as a config's custom_imports load them: for what runs without a
    config, like an ONNX export's pipeline."""
    from mmdet.utils import register_all_modules
    from mmengine.utils import import_modules_from_strings

    register_all_modules()
    import_modules_from_strings(list(ZOO_CUSTOM_IMPORTS))


def prepare_model_config(path: str | os.PathLike[str], data_root: str | os.PathLike[str] | None = None,
                         cfg_options: dict | None = None, score_thr: float | None = None,
                         sha256: str | None = None):
    """A config ready to build its model: MMDetection's modules registered, the config's own
    ``custom_imports`` (``bddet.mm`` for the zoo's) imported, and ``score_thr`` set where the
    config's test settings have one (the second stage's for two-stage models). ``sha256``: see
    load_config."""
    from mmdet.utils import register_all_modules
    from mmengine.utils import import_modules_from_strings

    register_all_modules()
    cfg = load_config(path, data_root, cfg_options, sha256)
    if cfg.get("custom_imports"):
        try:
            import_modules_from_strings(**cfg.custom_imports)
        except ImportError as e:
            raise ConfigError(f"{path}: custom_imports cannot be imported ({error_reason(e)})") from None
    if score_thr is not None:
        test_cfg = cfg.model.get("test_cfg") or {}
        target = test_cfg.get("rcnn", test_cfg) if isinstance(test_cfg, dict) else {}
        if isinstance(target, dict) and "score_thr" in target:
            target["score_thr"] = score_thr
    return cfg


def test_pipeline(cfg) -> list:
    """The transforms a config runs on each test image (``test_dataloader.dataset.pipeline``)."""
    pipeline = ((cfg.get("test_dataloader") or {}).get("dataset") or {}).get("pipeline")
    if not isinstance(pipeline, (list, tuple)) or not pipeline:
        raise ConfigError(f"{cfg.filename or 'the config'}: has no test_dataloader.dataset.pipeline, the transforms "
                          "inference runs on each image")
    return list(pipeline)


def parse_cfg_options(items) -> dict:
    """``KEY=VALUE`` strings as MMDetection's ``--cfg-options`` reads them.

    mmengine's own DictAction does the parsing, so values mean exactly what they mean to
    mmdet's tools: ``true``/``false`` are booleans, ``None`` is None, ``1,2`` and ``[1,2]``
    are lists, ``(1,2)`` is a tuple, nesting works, anything else is an int, float or string.
    """
    import argparse

    items = list(items or ())
    for item in items:
        if "=" not in item or item.startswith("="):
            raise ConfigError(f"--cfg-options: '{item}' is not KEY=VALUE (a model or config goes before "
                              "--cfg-options, whose values run up to the next option)")
    if not items:
        return {}
    from mmengine.config import DictAction

    namespace = argparse.Namespace()
    DictAction(option_strings=["--cfg-options"], dest="cfg_options", nargs="+")(None, namespace, items)
    return namespace.cfg_options
