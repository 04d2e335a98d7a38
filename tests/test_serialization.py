"""tinyreg.save / tinyreg.load: bit-exact round trips, atomic writes, clear errors."""

from __future__ import annotations

import io
import math
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinyreg
from tinyreg import CheckpointError

ROOT = Path(__file__).resolve().parent.parent

# a function-scoped tmp_path is fine here: each example overwrites the same file
FILE_SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

DTYPES = [
    np.float16,
    np.float32,
    np.float64,
    np.int8,
    np.int32,
    np.int64,
    np.uint8,
    np.uint64,
    np.bool_,
]


def assert_same(loaded, original, where="obj"):
    """Same type, structure, dtype and bits everywhere (NaN payloads of arrays included)."""
    assert type(loaded) is type(original), f"{where}: {type(loaded)} is not {type(original)}"
    if isinstance(original, np.ndarray):
        assert loaded.dtype == original.dtype, where
        assert loaded.shape == original.shape, where
        assert loaded.tobytes() == original.tobytes(), where
    elif isinstance(original, np.generic):
        assert loaded.dtype == original.dtype, where
        assert np.asarray(loaded).tobytes() == np.asarray(original).tobytes(), where
    elif isinstance(original, float):
        if math.isnan(original):
            assert math.isnan(loaded), where
        else:
            assert loaded == original, where
            assert math.copysign(1.0, loaded) == math.copysign(1.0, original), where  # -0.0
    elif isinstance(original, dict):
        assert list(loaded) == list(original), where  # same keys, same order
        for (k1, v1), (k2, v2) in zip(loaded.items(), original.items(), strict=True):
            assert type(k1) is type(k2), where
            assert_same(v1, v2, f"{where}[{k2!r}]")
    elif isinstance(original, (list, tuple)):
        assert len(loaded) == len(original), where
        for i, (a, b) in enumerate(zip(loaded, original, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    else:
        assert loaded == original, where


numpy_arrays = st.sampled_from(DTYPES).flatmap(
    lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0))
)
numpy_scalars = st.sampled_from(DTYPES).flatmap(
    lambda dtype: hnp.from_dtype(np.dtype(dtype)).map(np.dtype(dtype).type)
)
plain_values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10))
leaves = st.one_of(numpy_arrays, numpy_scalars, plain_values)
keys = st.one_of(st.text(max_size=6), st.integers(-3, 3))
nested = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(keys, children, max_size=4),
    ),
    max_leaves=12,
)


@FILE_SETTINGS
@given(obj=nested)
def test_round_trip_is_bit_exact(tmp_path, obj):
    path = tmp_path / "ckpt.npz"
    tinyreg.save(obj, path)
    assert_same(tinyreg.load(path), obj)
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # no temporary files left behind


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_is_preserved(tmp_path, dtype):
    array = np.arange(6).reshape(2, 3).astype(dtype)
    tinyreg.save({"a": array, "s": array[0, 1]}, tmp_path / "x.npz")
    loaded = tinyreg.load(tmp_path / "x.npz")
    assert loaded["a"].dtype == np.dtype(dtype)
    assert isinstance(loaded["s"], np.generic)
    assert loaded["s"].dtype == np.dtype(dtype)
    np.testing.assert_array_equal(loaded["a"], array)


def test_special_float_bits_survive(tmp_path):
    special = np.array([np.nan, -np.nan, np.inf, -np.inf, -0.0, 5e-324, np.finfo(np.float64).max])
    payload = np.array([0x7FF0000000000123], dtype=np.uint64).view(np.float64)  # a NaN payload
    with np.errstate(over="ignore"):
        half = special.astype(np.float16)
    obj = {"f64": special, "payload": payload, "f16": half, "py": [-0.0, 1e308]}
    tinyreg.save(obj, tmp_path / "x.npz")
    assert_same(tinyreg.load(tmp_path / "x.npz"), obj)


def test_state_dicts_and_tensors_can_be_saved(tmp_path):
    tinyreg.manual_seed(0)
    model = tinyreg.nn.Sequential(tinyreg.nn.Linear(3, 2))
    tinyreg.save({"model": model.state_dict(), "t": tinyreg.tensor([1.0, 2.0])}, tmp_path / "m.npz")
    loaded = tinyreg.load(tmp_path / "m.npz")
    assert list(loaded["model"]) == ["0.weight", "0.bias"]
    assert_same(loaded["model"]["0.weight"], model[0].weight.data)
    assert_same(loaded["t"], np.array([1.0, 2.0]))


# ---------------------------------------------------------------------------
# Atomic save
# ---------------------------------------------------------------------------


def _savez_that_dies_midway(exception):
    real_savez = np.savez

    def savez(file, *args, **kwargs):
        buffer = io.BytesIO()
        real_savez(buffer, *args, **kwargs)
        data = buffer.getvalue()
        file.write(data[: len(data) // 2])  # half of the archive reaches the disk
        file.flush()
        raise exception

    return savez


def _replace_that_fails(*args, **kwargs):
    raise OSError("rename failed")


@pytest.mark.parametrize(
    ("target", "replacement", "error"),
    [
        ("savez", _savez_that_dies_midway(OSError("disk full")), OSError),
        ("savez", _savez_that_dies_midway(KeyboardInterrupt()), KeyboardInterrupt),
        ("replace", _replace_that_fails, OSError),
    ],
    ids=["savez-oserror", "savez-keyboardinterrupt", "replace-oserror"],
)
def test_interrupted_save_keeps_the_previous_checkpoint(
    tmp_path, monkeypatch, target, replacement, error
):
    path = tmp_path / "ckpt.npz"
    previous = {"w": np.arange(10.0), "step": 3}
    tinyreg.save(previous, path)
    before = path.read_bytes()
    if target == "savez":
        monkeypatch.setattr(np, "savez", replacement)
    else:
        monkeypatch.setattr(os, "replace", replacement)
    with pytest.raises(error):
        tinyreg.save({"w": np.ones(1000), "step": 4}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.npz"]  # the temporary file was removed
    assert_same(tinyreg.load(path), previous)


def test_interrupted_first_save_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(np, "savez", _savez_that_dies_midway(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        tinyreg.save({"w": np.ones(3)}, tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []


def test_save_overwrites_an_existing_checkpoint(tmp_path):
    path = tmp_path / "ckpt.npz"
    tinyreg.save({"v": 1}, path)
    tinyreg.save({"v": 2}, path)
    assert tinyreg.load(path) == {"v": 2}
    assert os.listdir(tmp_path) == ["ckpt.npz"]


# ---------------------------------------------------------------------------
# Files that are not checkpoints
# ---------------------------------------------------------------------------


@pytest.fixture
def checkpoint_bytes(tmp_path):
    path = tmp_path / "good.npz"
    tinyreg.save({"w": np.linspace(0, 1, 50), "b": np.float32(2.5), "meta": {"step": 7}}, path)
    return path.read_bytes()


@pytest.mark.parametrize("cut", [0, 1, 3, 5, 10, 40, 0.25, 0.5, 0.75, -22, -1])
def test_truncated_file_raises_checkpoint_error(tmp_path, checkpoint_bytes, cut):
    size = len(checkpoint_bytes)
    end = int(cut * size) if isinstance(cut, float) else cut % size if cut < 0 else cut
    path = tmp_path / "cut.npz"
    path.write_bytes(checkpoint_bytes[:end])
    with pytest.raises(CheckpointError, match="truncated"):
        tinyreg.load(path)


def test_corrupted_array_bytes_raise_checkpoint_error(tmp_path):
    path = tmp_path / "x.npz"
    marker = np.full(64, 1234.5678)
    tinyreg.save({"w": marker}, path)
    data = bytearray(path.read_bytes())
    start = bytes(data).find(marker.tobytes())
    assert start >= 0  # stored uncompressed
    data[start + 100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError):
        tinyreg.load(path)


@FILE_SETTINGS
@given(junk=st.binary(max_size=300))
def test_random_bytes_raise_checkpoint_error(tmp_path, junk):
    path = tmp_path / "junk.npz"
    path.write_bytes(junk)
    with pytest.raises(CheckpointError, match=r"not a (readable )?tinyreg checkpoint"):
        tinyreg.load(path)


def test_plain_npz_without_manifest_raises_checkpoint_error(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, w=np.arange(3.0))
    with pytest.raises(CheckpointError, match="not a tinyreg checkpoint"):
        tinyreg.load(path)


def test_npy_file_raises_checkpoint_error(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.arange(3.0))
    with pytest.raises(CheckpointError, match="not a tinyreg checkpoint"):
        tinyreg.load(path)


def test_text_file_raises_checkpoint_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("weights: 1, 2, 3\n" * 20)
    with pytest.raises(CheckpointError, match="not a readable tinyreg checkpoint"):
        tinyreg.load(path)


@pytest.mark.parametrize(
    "manifest",
    [
        b'{"format": 1}',
        b"[1, 2]",
        b"not json at all",
        b'{"format": 99, "root": {"value": 1}}',
        b'{"format": 1, "root": {"array": "array_0", "scalar": false}}',
        b'{"format": 1, "root": {"dict": [[1]]}}',
        b'{"format": 1, "root": {"mystery": 1}}',
        b'{"format": 1, "root": 5}',
    ],
)
def test_corrupt_manifest_raises_checkpoint_error(tmp_path, manifest):
    path = tmp_path / "bad.npz"
    np.savez(path, __tinyreg__=np.frombuffer(manifest, dtype=np.uint8))
    with pytest.raises(CheckpointError):
        tinyreg.load(path)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        tinyreg.load(tmp_path / "nope.npz")


@pytest.mark.parametrize(
    "obj",
    [
        object(),
        {1, 2},
        1 + 2j,
        {(1, 2): 3},
        {True: 1},
        {1.5: 1},
        [np.ones(3), {"a": object()}],
        {"w": np.array([None, 1], dtype=object)},
        {"f": lambda x: x},
    ],
    ids=[
        "object",
        "set",
        "complex",
        "tuple-key",
        "bool-key",
        "float-key",
        "nested-object",
        "object-array",
        "function",
    ],
)
def test_unsavable_objects_raise_type_error_before_writing(tmp_path, obj):
    with pytest.raises(TypeError, match="cannot save"):
        tinyreg.save(obj, tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []
    # and an existing checkpoint is left alone
    path = tmp_path / "old.npz"
    tinyreg.save({"w": np.arange(3.0)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        tinyreg.save(obj, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["old.npz"]


# ---------------------------------------------------------------------------
# Nesting depth
# ---------------------------------------------------------------------------


def _nested(depth):
    obj = {"w": np.arange(2.0)}
    for _ in range(depth):
        obj = [obj]
    return obj


def test_nesting_up_to_the_bound_round_trips(tmp_path):
    obj = _nested(99)  # the root list is level 0, the innermost dict level 99
    tinyreg.save(obj, tmp_path / "deep.npz")
    assert_same(tinyreg.load(tmp_path / "deep.npz"), obj)


def test_deeper_nesting_or_a_cycle_raises_type_error_before_writing(tmp_path):
    cyclic: dict = {"w": np.ones(2)}
    cyclic["self"] = cyclic
    for obj in (_nested(101), cyclic):
        with pytest.raises(TypeError, match="more than 100 levels deep"):
            tinyreg.save(obj, tmp_path / "deep.npz")
    assert os.listdir(tmp_path) == []


def _manifest_file(tmp_path, manifest: str):
    path = tmp_path / "deep.npz"
    np.savez(path, __tinyreg__=np.frombuffer(manifest.encode(), dtype=np.uint8))
    return path


@pytest.mark.parametrize("depth", [101, 5_000, 100_000])
def test_a_manifest_nested_too_deep_raises_checkpoint_error(tmp_path, depth):
    root = '{"list": [' * depth + '{"value": 1}' + "]}" * depth
    path = _manifest_file(tmp_path, '{"format": 1, "root": ' + root + "}")
    with pytest.raises(CheckpointError, match=r"nests more than 100 levels deep") as info:
        tinyreg.load(path)
    assert str(path) in str(info.value)


# ---------------------------------------------------------------------------
# Temporary files, durability, and the paths in messages
# ---------------------------------------------------------------------------

TMP_NAME = re.compile(r"\.ckpt\.npz\.(\d+)-\w+\.tinyreg-tmp")


def test_the_temporary_file_is_named_after_its_target_and_process(tmp_path, monkeypatch):
    seen = []
    real_savez = np.savez

    def savez(file, **arrays):
        seen.extend(os.listdir(tmp_path))
        real_savez(file, **arrays)

    monkeypatch.setattr(np, "savez", savez)
    tinyreg.save({"w": np.ones(3)}, tmp_path / "ckpt.npz")
    (name,) = seen
    match = TMP_NAME.fullmatch(name)
    assert match and int(match.group(1)) == os.getpid()
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def _dead_pid():
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def test_save_removes_stale_temporaries_of_its_target_only(tmp_path):
    dead = _dead_pid()
    stale = tmp_path / f".ckpt.npz.{dead}-abc123.tinyreg-tmp"
    live = tmp_path / f".ckpt.npz.{os.getppid()}-def456.tinyreg-tmp"  # a running process's
    other = tmp_path / f".other.npz.{dead}-abc123.tinyreg-tmp"  # another target's
    unrelated = tmp_path / f".ckpt.npz.{dead}-abc123.tmp"  # not our pattern
    for path in (stale, live, other, unrelated):
        path.write_bytes(b"partial checkpoint")
    tinyreg.save({"w": np.ones(3)}, tmp_path / "ckpt.npz")
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["ckpt.npz", live.name, other.name, unrelated.name]
    )


def test_save_syncs_the_file_then_renames_then_syncs_the_directory(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append("fsync directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src, dst):
        events.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    tinyreg.save({"w": np.ones(3)}, tmp_path / "ckpt.npz")
    assert events == ["fsync file", "replace", "fsync directory"]


def test_saving_into_a_missing_directory_names_the_given_path(tmp_path):
    path = tmp_path / "no" / "such" / "ckpt.npz"
    with pytest.raises(FileNotFoundError) as info:
        tinyreg.save({"w": np.ones(3)}, path)
    assert info.value.filename == str(path)
    assert str(path) in str(info.value) and "tinyreg-tmp" not in str(info.value)
    assert os.listdir(tmp_path) == []


# The guarantee of the atomic rename, tested as it fails in real life: a child process
# saves checkpoint after checkpoint to one file and is killed with SIGKILL at random
# moments (most of its time is spent inside save). After every kill the file must
# load, and hold one complete checkpoint. A save afterwards removes what the killed
# processes left behind.
KILLED_SAVER = """
import sys
import numpy as np
import tinyreg
path = sys.argv[1]
print("ready", flush=True)
step = 0
while True:
    step += 1
    tinyreg.save({"step": step, "w": np.full(300_000, float(step))}, path)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_save_killed_at_random_never_corrupts_the_checkpoint(tmp_path):
    path = tmp_path / "ckpt.npz"
    tinyreg.save({"step": 0, "w": np.full(300_000, 0.0)}, path)
    rng = np.random.default_rng(0)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    landed = 0  # kills that hit a save in progress (its temporary file is left behind)
    for _ in range(40):
        child = subprocess.Popen(
            [sys.executable, "-c", KILLED_SAVER, str(path)],
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.3))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        checkpoint = tinyreg.load(path)
        assert checkpoint["w"].shape == (300_000,)
        assert np.all(checkpoint["w"] == checkpoint["step"])
        pids = [TMP_NAME.fullmatch(name) for name in os.listdir(tmp_path)]
        landed += any(match and int(match.group(1)) == child.pid for match in pids)
        if landed == 5:
            break
    assert landed == 5  # most kills land inside a save: 5 of at most 40 attempts
    tinyreg.save({"step": -1, "w": np.zeros(1)}, path)
    assert os.listdir(tmp_path) == ["ckpt.npz"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_save_keeps_an_existing_files_mode_and_gives_a_new_file_0o644(tmp_path):
    path = tmp_path / "ckpt.npz"
    tinyreg.save({"w": np.ones(3)}, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644  # not mkstemp's private 0o600
    os.chmod(path, 0o640)
    tinyreg.save({"w": np.zeros(3)}, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_save_and_load_leave_no_file_descriptor_open(tmp_path):
    path = tmp_path / "ckpt.npz"
    tinyreg.save({"w": np.ones(3)}, path)  # first use: imports and caches
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        tinyreg.save({"w": np.ones(3)}, path)
        tinyreg.load(path)
    assert len(os.listdir("/proc/self/fd")) == before


def test_save_keeps_the_temporaries_of_its_own_process(tmp_path):
    """Another thread of this process may be saving to the same path right now."""
    own = tmp_path / f".ckpt.npz.{os.getpid()}-abc123.tinyreg-tmp"
    own.write_bytes(b"partial checkpoint")
    tinyreg.save({"w": np.ones(3)}, tmp_path / "ckpt.npz")
    assert own.exists()


def test_save_keeps_the_temporaries_of_processes_it_may_not_signal(tmp_path, monkeypatch):
    """os.kill(pid, 0) raising PermissionError means the process exists (another user's)."""
    foreign = tmp_path / ".ckpt.npz.4242-abc123.tinyreg-tmp"
    foreign.write_bytes(b"partial checkpoint")

    def kill(pid, sig):
        assert (pid, sig) == (4242, 0)
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "kill", kill)
    tinyreg.save({"w": np.ones(3)}, tmp_path / "ckpt.npz")
    assert foreign.exists()
