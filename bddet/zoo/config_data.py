"""A model's config as data: what a mirror may send, checked before anything is built from it.

A ``.py`` config is a program (MMEngine executes it), so a config that comes from someone else
travels as JSON and is read here as data, never through ``Config.fromfile``. Data alone is not
enough, because MMEngine and its libraries turn some strings into code: the registry imports
any dotted ``type`` it does not know (``type='subprocess.run'`` would run), mmcv's NMS calls
``eval()`` on its ``type``, and some registered components load pickles or write files at paths
their arguments name. So a mirror's config must also pass check_config_data:

- plain JSON (no ``_base_``: nothing else is read), at most MAX_DEPTH levels and MAX_BYTES; a
  tuple, which MMCV's transforms tell from a list (``Resize(scale=(w, h))``), is written as
  ``{"__tuple__": [...]}``;
- ``custom_imports`` only of ALLOWED_IMPORTS, the modules the zoo's own configs import;
- every ``type`` is a name: in ``model``, one MMDetection has registered as a model, task
  module or weight initialiser (no dotted path, no scope but mmdet's; DENIED_TYPES excepted);
  elsewhere, one of the types the zoo's own configs use (mirror_config_types.yaml);
- an NMS setting's ``type`` is ``nms`` or ``soft_nms`` (mmcv evaluates it);
- no key that names a file to write or to load as a checkpoint (WRITE_KEYS).
"""
from __future__ import annotations

import functools
import json
import os
from importlib import resources
from pathlib import Path

from .catalogue import UserModelError

MAX_BYTES = 4 << 20
MAX_DEPTH = 40
ALLOWED_IMPORTS = frozenset({"bddet.mm", "mmpretrain.models"})
NMS_TYPES = frozenset({"nms", "soft_nms"})
# Registered, but they interpret strings as code: mmdet's tracker motion model eval()s warp_mode.
DENIED_TYPES = frozenset({"CameraMotionCompensation"})
# Paths a runner or hook would write to, or load weights from, at a place the config chooses.
WRITE_KEYS = frozenset({"work_dir", "out_dir", "save_dir", "log_dir", "tmpdir", "out_file", "outfile_prefix",
                        "load_from", "resume_from", "filename_tmpl"})
TUPLE_KEY = "__tuple__"
# Registries whose names may appear in ``model`` (mmdet's, which fall back to mmengine's and mmcv's).
_MODEL_REGISTRIES = ("MODELS", "TASK_UTILS", "WEIGHT_INITIALIZERS")


class UnsafeConfigError(UserModelError):
    """A config from elsewhere that bddet refuses to build anything from."""


@functools.lru_cache(maxsize=1)
def zoo_config_types() -> frozenset[str]:
    """The types the zoo's own configs use (data, checked against the configs by a test)."""
    from ..yaml_io import load_yaml

    text = resources.files("bddet.zoo").joinpath("mirror_config_types.yaml").read_text(encoding="utf-8")
    return frozenset(load_yaml(text)["types"])


def _registered_model_types() -> frozenset[str]:
    """Names MMDetection's model-side registries hold, after mmdet's and the zoo's modules registered."""
    from mmdet import registry
    from mmdet.utils import register_all_modules

    register_all_modules()
    names: set[str] = set()
    for name in _MODEL_REGISTRIES:
        reg = getattr(registry, name)
        while reg is not None:  # mmdet's registry and the mmengine root it falls back to
            names |= set(reg.module_dict)
            reg = reg.parent
    return frozenset(names)


def _depth_ok(node, limit: int) -> bool:
    stack = [(node, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack += [(v, depth + 1) for v in item.values()]
        elif isinstance(item, (list, tuple)):
            stack += [(v, depth + 1) for v in item]
    return True


def parse_config_json(raw: bytes, where: str) -> dict:
    """A config's JSON text as a mapping; UnsafeConfigError for anything that is not plain, small data."""
    if len(raw) > MAX_BYTES:
        raise UnsafeConfigError(f"{where}: {len(raw)} bytes, more than a config's {MAX_BYTES} (refused)")
    def tuples(obj: dict):
        return tuple(obj[TUPLE_KEY]) if len(obj) == 1 and isinstance(obj.get(TUPLE_KEY), list) else obj

    try:
        data = json.loads(raw, object_hook=tuples)
    except RecursionError:
        raise UnsafeConfigError(f"{where}: nested too deeply to be a config (refused)") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise UnsafeConfigError(f"{where}: not a JSON config ({e}); a mirror's configs are JSON data "
                                "(`bddet models export` writes them)") from None
    if not isinstance(data, dict):
        raise UnsafeConfigError(f"{where}: not a config (a JSON {type(data).__name__}, expected a mapping)")
    if not _depth_ok(data, MAX_DEPTH):
        raise UnsafeConfigError(f"{where}: nested more than {MAX_DEPTH} levels deep (refused)")
    return data


def check_config_data(data: dict, where: str) -> None:
    """Refuse (UnsafeConfigError, one line) a config from elsewhere that could run or write anything."""
    if "_base_" in data:
        raise UnsafeConfigError(f"{where}: has _base_; a shared config must be whole (every _base_ resolved), "
                                "so that no other file is read")
    imports = data.get("custom_imports")
    if imports is not None:
        modules = imports.get("imports") if isinstance(imports, dict) else None
        modules = [modules] if isinstance(modules, str) else modules
        if not isinstance(modules, list) or any(m not in ALLOWED_IMPORTS for m in modules):
            raise UnsafeConfigError(f"{where}: custom_imports {modules!r}: a shared config may import only "
                                    f"{', '.join(sorted(ALLOWED_IMPORTS))} (refused)")
    zoo_types = zoo_config_types()
    model_types: frozenset[str] | None = None

    def refuse(path: str, why: str) -> UnsafeConfigError:
        return UnsafeConfigError(f"{where}: {path}: {why} (refused: a shared config is data, and bddet builds "
                                 "only what MMDetection and the zoo register)")

    stack = [(data, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, (list, tuple)):
            stack += [(v, f"{path}[{i}]") for i, v in enumerate(node)]
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if key in WRITE_KEYS and value is not None:  # None: the default place, which bddet sets
                raise refuse(f"{path}.{key}".lstrip("."), "names a file to write or load")
        kind = node.get("type")
        if "type" in node:
            if not isinstance(kind, str):
                raise refuse(path or "(top)", f"type {kind!r} is not a name")
            if path.rsplit(".", 1)[-1] == "nms":
                if kind not in NMS_TYPES:
                    raise refuse(path, f"NMS type {kind!r} is not one of {', '.join(sorted(NMS_TYPES))}")
            elif kind not in zoo_types:
                in_model = path == "model" or path.startswith(("model.", "model["))
                bare = kind.removeprefix("mmdet.")
                if not in_model or "." in bare or bare in DENIED_TYPES:
                    raise refuse(path, f"type {kind!r} is not one the zoo's configs use")
                if model_types is None:
                    model_types = _registered_model_types()
                if bare not in model_types:
                    raise refuse(path, f"type {kind!r} is not a registered MMDetection model part")
        stack += [(v, f"{path}.{k}" if path else str(k)) for k, v in node.items()]


def read_config_data(path: str | os.PathLike[str], sha256: str | None = None):
    """A config file from elsewhere as an mmengine Config, read as data and checked, never executed.

    ``sha256`` (the catalogue's) must match the file's digest: a config changed since it was
    imported is refused.
    """
    import hashlib

    from mmengine.config import Config

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UnsafeConfigError(f"{path}: cannot be read ({e.strerror or e})") from None
    if sha256 is not None and hashlib.sha256(raw).hexdigest() != sha256:
        raise UnsafeConfigError(f"{path}: its SHA-256 is not the catalogue's ({sha256[:12]}…): the config "
                                "changed since it was imported; import the model again")
    data = parse_config_json(raw, str(path))
    check_config_data(data, str(path))
    return Config(data, cfg_text=raw.decode("utf-8"), filename=str(path))


def config_to_json(cfg, where: str) -> bytes:
    """A loaded config as the JSON a mirror carries (checked as an importer will check it)."""
    def encode(node):
        if isinstance(node, dict):
            return {str(k): encode(v) for k, v in node.items()}
        if isinstance(node, tuple):
            return {TUPLE_KEY: [encode(v) for v in node]}
        if isinstance(node, list):
            return [encode(v) for v in node]
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        raise UnsafeConfigError(f"{where}: holds a {type(node).__name__} ({node!r:.60}), which is not data; such a "
                                "config cannot be shared")

    data = cfg.to_dict()
    check_config_data(data, where)
    return (json.dumps(encode(data), indent=1, sort_keys=True, allow_nan=False) + "\n").encode("utf-8")
