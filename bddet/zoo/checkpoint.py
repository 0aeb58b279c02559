"""The one checkpoint loader: PyTorch's weights_only unpickler, with mmengine's extras allowed by name.

PyTorch >= 2.6 refuses to unpickle anything but tensors and plain containers unless it is
allow-listed. MMEngine (0.10.7) still calls torch.load without adapting, and its
checkpoints carry a few small objects besides tensors: the message hub's HistoryBuffer,
numpy arrays and scalars in the logs, and the dataset meta. Those are allowed here by
name and nothing else: a pickle that would import anything else (os.system, a class
with a malicious __reduce__, ...) is refused before any of its code runs.
"""
from __future__ import annotations

import os
import pickle
import re
from collections import OrderedDict
from pathlib import Path

from ..errors import BddetError


class CheckpointError(BddetError):
    """A checkpoint that cannot be read, is unsafe, or does not fit the model."""


def _history_buffer_getattr(obj, name: str):
    """The one ``getattr`` an mmengine checkpoint needs: HistoryBuffer's statistics methods.

    MMEngine's message hub pickles those methods by reference (``getattr(HistoryBuffer, 'min')``);
    a general ``getattr`` would let a pickle walk from any allowed object to arbitrary code.
    """
    from mmengine.logging.history_buffer import HistoryBuffer

    if obj is HistoryBuffer and (name in ("min", "max", "current", "mean") or name in HistoryBuffer._statistics_methods):
        return getattr(obj, name)
    raise pickle.UnpicklingError(f"GLOBAL builtins.getattr on {obj!r}.{name} is not allowed")


def allowed_globals() -> list:
    """What a weights-only load may unpickle besides tensors: mmengine's small types, by name."""
    import numpy as np
    from mmengine.logging.history_buffer import HistoryBuffer

    allowed: list = [HistoryBuffer, np.ndarray, np.dtype, np.generic, np.bool_, np.float64, np.float32,
                     np.int64, np.int32, OrderedDict, set, slice, type(None)]
    core = getattr(np, "_core", None) or np.core
    allowed += [core.multiarray._reconstruct, core.multiarray.scalar]
    dtypes = getattr(np, "dtypes", None)  # numpy >= 1.25 pickles dtypes by their class
    if dtypes is not None:
        allowed += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith("DType")]
    # numpy 2 pickles refer to numpy._core, files from numpy 1 to numpy.core: accept both spellings
    allowed += [(core.multiarray._reconstruct, "numpy.core.multiarray._reconstruct"),
                (core.multiarray.scalar, "numpy.core.multiarray.scalar"),
                (_history_buffer_getattr, "builtins.getattr")]
    return allowed


def load_checkpoint_file(path: str | os.PathLike[str]) -> dict:
    """Load a checkpoint on the CPU with torch.load(weights_only=True) and the allow-list above.

    Raises CheckpointError naming the file and, for a refused pickle, the global it asked for.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic not in (b"PK", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"):  # zip (torch.save) or pickle
        raise CheckpointError(f"{path}: not a PyTorch checkpoint (neither torch.save's zip nor a pickle)")
    try:
        with torch.serialization.safe_globals(allowed_globals()):
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        m = re.search(r"(?:GLOBAL|global) ([\w.]+)", str(e))
        what = f"imports {m.group(1)}" if m else "holds objects that are not tensors"
        raise CheckpointError(f"{path}: refused, the checkpoint {what}, which is not allowed in a weights file "
                              "(only tensors and mmengine's own small types load; nothing from it was run)") from None
    except (RuntimeError, EOFError, OSError, ValueError) as e:
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint ({str(e).splitlines()[0][:200]})") from None
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"{path}: not a checkpoint (a {type(ckpt).__name__}, expected a dict of weights)")
    return ckpt


# MMDetection 2.x -> 3.x parameter renames, applied on load (the zoo's weights were saved by
# mmdet 2.x). Checked by building every zoo model: the detectors, necks and heads the zoo
# uses kept their 2.x module names in 3.x, and mmcls 0.x's ConvNeXt names match mmpretrain's.
# Entries are (old prefix, new prefix); the list is the place to add any rename found later.
MMDET2_RENAMES: tuple[tuple[str, str], ...] = ()


def state_dict_of(ckpt: dict) -> dict:
    """The model weights inside a checkpoint (mmengine/mmdet 2.x ``state_dict`` or a bare dict)."""
    state = ckpt.get("state_dict", ckpt)
    out = OrderedDict()
    for key, value in state.items():
        key = key.removeprefix("module.")  # saved from DistributedDataParallel
        for old, new in MMDET2_RENAMES:
            if key.startswith(old):
                key = new + key[len(old):]
                break
        out[key] = value
    return out


def load_weights_strictly(model, ckpt: dict, source: str) -> None:
    """Copy weights into ``model``; every parameter must exist on both sides with the same shape.

    Raises CheckpointError naming the first few mismatching parameters.
    """
    state = state_dict_of(ckpt)
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    wrong = [f"{k} {tuple(state[k].shape)} vs model {tuple(own[k].shape)}" for k in own
             if k in state and hasattr(state[k], "shape") and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or wrong:
        parts = []
        if wrong:
            parts.append(f"shape mismatch: {', '.join(wrong[:3])}")
        if missing:
            parts.append(f"missing: {', '.join(missing[:3])}" + (f" (+{len(missing) - 3})" if len(missing) > 3 else ""))
        if unexpected:
            parts.append(f"unexpected: {', '.join(unexpected[:3])}"
                         + (f" (+{len(unexpected) - 3})" if len(unexpected) > 3 else ""))
        raise CheckpointError(f"{source}: does not fit the model ({'; '.join(parts)}); is it for another model?")
    model.load_state_dict(state, strict=True)


def build_detector(cfg, weights: str | os.PathLike[str], device: str = "cpu"):
    """The model of a prepared config (config_files.prepare_model_config), its weights loaded
    strictly, on ``device``, in eval mode: the one way bddet turns a checkpoint into a model.

    A model the config cannot build (an unknown type, a wrong argument) is a ConfigError naming
    the config file and MMEngine's reason.
    """
    from mmdet.registry import MODELS

    from ..errors import error_reason
    from .config_files import ConfigError

    try:
        model = MODELS.build(cfg.model)
    except Exception as e:  # noqa: BLE001 - whatever stops the build is the config's problem
        raise ConfigError(f"{cfg.filename or 'the config'}: the model does not build ({error_reason(e)})") from None
    load_weights_strictly(model, load_checkpoint_file(weights), str(weights))
    return model.to(device).eval()
