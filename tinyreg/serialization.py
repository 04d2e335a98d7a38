"""Save and load state dicts: numpy's ``.npz`` format, written atomically.

A checkpoint holds nested dicts, lists and tuples of arrays and plain
values (numbers, strings, booleans, None) -- what ``Module.state_dict()`` and
``Optimizer.state_dict()`` return. Arrays are stored as ``.npy`` members of
the zip archive (exact bits and dtype); the nesting and the plain values are
stored as one JSON member, ``__tinyreg__``. Nothing is pickled, so loading a
file never runs code.

``save`` writes to a temporary file in the same directory, flushes it to
disk, then renames it over the target: the rename is atomic, so an
interrupted save leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from tinyreg.autograd import Tensor

__all__ = ["CheckpointError", "load", "save"]

_MANIFEST = "__tinyreg__"
_FORMAT = 1


class CheckpointError(ValueError):
    """A file is not a readable tinyreg checkpoint (truncated, foreign, or corrupt)."""


def _encode(obj: Any, arrays: dict[str, np.ndarray], path: str) -> Any:
    """A JSON-able description of ``obj``; arrays go to ``arrays`` under new names."""
    if isinstance(obj, (np.ndarray, np.generic)):
        if obj.dtype.hasobject:  # would be pickled, and load() refuses pickles
            raise TypeError(f"cannot save {path}: arrays of dtype object are not supported")
        name = f"array_{len(arrays)}"
        arrays[name] = np.asarray(obj)
        return {"array": name, "scalar": isinstance(obj, np.generic)}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    if isinstance(obj, dict):
        for key in obj:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"cannot save {path}: dict keys must be str or int, got {key!r}")
        items = [[key, _encode(value, arrays, f"{path}[{key!r}]")] for key, value in obj.items()]
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(value, arrays, f"{path}[{i}]") for i, value in enumerate(obj)]}
    if isinstance(obj, Tensor):
        return _encode(obj.data, arrays, path)
    raise TypeError(
        f"cannot save {path}: {type(obj).__name__} is not an array, number, string, None, dict, "
        "list or tuple"
    )


def _decode(node: Any, arrays: Any) -> Any:
    if "array" in node:
        array = arrays[node["array"]]
        return array[()] if node.get("scalar") else array
    if "value" in node:
        return node["value"]
    if "dict" in node:
        return {key: _decode(value, arrays) for key, value in node["dict"]}
    if "list" in node:
        return [_decode(value, arrays) for value in node["list"]]
    if "tuple" in node:
        return tuple(_decode(value, arrays) for value in node["tuple"])
    raise CheckpointError(f"unknown entry in checkpoint manifest: {node!r}")


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write ``obj`` (e.g. a state dict) to ``path`` atomically, in ``.npz`` format.

    Raises TypeError, before touching any file, if ``obj`` holds something
    that cannot be saved.
    """
    arrays: dict[str, np.ndarray] = {}
    manifest = {"format": _FORMAT, "root": _encode(obj, arrays, "obj")}
    arrays[_MANIFEST] = np.frombuffer(json.dumps(manifest).encode("utf-8"), dtype=np.uint8)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(fd, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path: str | os.PathLike[str]) -> Any:
    """Read what :func:`save` wrote; arrays come back with their exact bits and dtype.

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: the file is truncated, corrupt, or not a tinyreg checkpoint.
    """
    path = os.fspath(path)
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):  # a bare .npy array
            raise CheckpointError(f"{path} is a .npy array file, not a tinyreg checkpoint")
        with archive:
            if _MANIFEST not in archive.files:
                raise CheckpointError(f"{path} is an .npz archive but not a tinyreg checkpoint")
            manifest = json.loads(archive[_MANIFEST].tobytes().decode("utf-8"))
            arrays = {name: archive[name] for name in archive.files if name != _MANIFEST}
    except FileNotFoundError:
        raise
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as error:
        raise CheckpointError(
            f"{path} is not a readable tinyreg checkpoint (truncated or corrupt?): {error}"
        ) from error
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else manifest
        raise CheckpointError(f"{path}: unsupported checkpoint format {found!r}")
    try:
        return _decode(manifest["root"], arrays)
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise CheckpointError(f"{path} has a corrupt checkpoint manifest: {error!r}") from error
