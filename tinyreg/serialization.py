"""Save and load state dicts: numpy's ``.npz`` format, written atomically.

A checkpoint holds nested dicts, lists and tuples of arrays and plain
values (numbers, strings, booleans, None) -- what ``Module.state_dict()`` and
``Optimizer.state_dict()`` return. Arrays are stored as ``.npy`` members of
the zip archive (exact bits and dtype); the nesting and the plain values are
stored as one JSON member, ``__tinyreg__``. Nothing is pickled, so loading a
file never runs code.

``save`` writes to a temporary file in the same directory, flushes it to
disk, renames it over the target and flushes the directory: the rename is
atomic, so an interrupted save -- even a killed process -- leaves the
previous checkpoint intact. A temporary file is named after its target and
the process writing it, ``.ckpt.npz.<pid>-<random>.tinyreg-tmp``; a save
removes those of its target that a process which has ended left behind.

Nesting is bounded (100 levels of dicts, lists and tuples), so that
neither a cyclic object nor a hostile file can exhaust the stack.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import tempfile
import zipfile
from typing import Any

import numpy as np

from tinyreg.autograd import Tensor

__all__ = ["CheckpointError", "load", "save"]

_MANIFEST = "__tinyreg__"
_FORMAT = 1
_TMP_SUFFIX = ".tinyreg-tmp"

_MAX_DEPTH = 100  # levels of dicts, lists and tuples; state dicts need a handful


class CheckpointError(ValueError):
    """A file is not a readable tinyreg checkpoint (truncated, foreign, or corrupt)."""


def _encode(obj: Any, arrays: dict[str, np.ndarray], path: str, depth: int = 0) -> Any:
    """A JSON-able description of ``obj``; arrays go to ``arrays`` under new names."""
    if depth > _MAX_DEPTH:
        raise TypeError(
            f"cannot save obj: it nests dicts, lists or tuples more than {_MAX_DEPTH} levels "
            "deep (does it contain itself?)"
        )
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
        items = [
            [key, _encode(value, arrays, f"{path}[{key!r}]", depth + 1)]
            for key, value in obj.items()
        ]
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {
            kind: [_encode(value, arrays, f"{path}[{i}]", depth + 1) for i, value in enumerate(obj)]
        }
    if isinstance(obj, Tensor):
        return _encode(obj.data, arrays, path, depth)
    raise TypeError(
        f"cannot save {path}: {type(obj).__name__} is not an array, number, string, None, dict, "
        "list or tuple"
    )


def _decode(node: Any, arrays: Any, depth: int = 0) -> Any:
    if depth > _MAX_DEPTH:
        raise CheckpointError(f"the checkpoint manifest nests more than {_MAX_DEPTH} levels deep")
    if "array" in node:
        array = arrays[node["array"]]
        return array[()] if node.get("scalar") else array
    if "value" in node:
        return node["value"]
    if "dict" in node:
        return {key: _decode(value, arrays, depth + 1) for key, value in node["dict"]}
    if "list" in node:
        return [_decode(value, arrays, depth + 1) for value in node["list"]]
    if "tuple" in node:
        return tuple(_decode(value, arrays, depth + 1) for value in node["tuple"])
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
    directory, name = os.path.split(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{name}.{os.getpid()}-", suffix=_TMP_SUFFIX, dir=directory
        )
    except OSError as error:  # report the path the caller gave, not the temporary one
        raise type(error)(error.errno, error.strerror, path) from None
    try:
        with os.fdopen(fd, "wb") as file:
            np.savez(file, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as bool
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)
    _remove_stale_temporaries(directory, name)


def _fsync_directory(directory: str) -> None:
    """Flush the directory entry of a rename to disk (POSIX; elsewhere the rename suffices)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as error:  # some file systems cannot sync a directory
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def _remove_stale_temporaries(directory: str, name: str) -> None:
    """Delete the temporaries of ``name`` whose writing process is gone (killed mid-save)."""
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)-\w+{re.escape(_TMP_SUFFIX)}")
    for entry in os.listdir(directory):
        match = pattern.fullmatch(entry)
        if match and not _process_running(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):  # another save removed it first
                os.unlink(os.path.join(directory, entry))


def _process_running(pid: int) -> bool:
    """Whether process ``pid`` exists; outside POSIX, assumed so (nothing is removed)."""
    if os.name != "posix" or pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


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
    except RecursionError:
        raise CheckpointError(
            f"{path}: the checkpoint manifest nests more than {_MAX_DEPTH} levels deep"
        ) from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as error:
        raise CheckpointError(
            f"{path} is not a readable tinyreg checkpoint (truncated or corrupt?): {error}"
        ) from error
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else manifest
        raise CheckpointError(f"{path}: unsupported checkpoint format {found!r}")
    try:
        return _decode(manifest["root"], arrays)
    except CheckpointError as error:
        raise CheckpointError(f"{path}: {error}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise CheckpointError(f"{path} has a corrupt checkpoint manifest: {error!r}") from error
