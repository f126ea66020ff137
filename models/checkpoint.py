"""Checkpoints: each save a folder of its own, made current by one atomic rename.

OUT/saves/step-000001200/ holds one complete checkpoint: JSON (settings, vocabulary, training
state) and .npz (weights, optimiser state), no pickle, with config.json recording the SHA-256 of
every other file. A save writes all of them into a staging folder (`saves/.partial-…`), fsyncs
each file and the folder, and only then renames the staging folder to its `step-…` name: a
process killed at any moment (SIGKILL included) leaves either the new save complete or no trace
of it but a staging folder, which loading ignores and the next save removes. The newest
complete save is the checkpoint; the previous ones stay until `keep` newer ones exist, so a save
never destroys the last good checkpoint. Ctrl-C waits until a save is done. A folder in the
older layout (the files directly in OUT) still loads.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from autograd.plumbing.atomic import interrupts_deferred, sync_folder, write_and_sync
from models import memory

FORMAT = "backproplab-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint folder that is missing, incomplete, corrupt or of another model."""


def _npz_bytes(arrays: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2) + "\n").encode("utf-8")


SAVES = "saves"
PARTIAL = ".partial-"


def save(folder: str | Path, config: dict[str, Any], vocab: dict[str, Any],
         weights: dict[str, np.ndarray], optimizer: dict[str, Any], state: dict[str, Any],
         keep: int = 2) -> Path:
    """Write a complete checkpoint into a new folder under `folder`/saves and make it the current
    one; then drop the complete saves older than the newest `keep`, and any staging folders a
    killed save left. Returns the new save's folder."""
    saves = Path(folder) / SAVES
    with interrupts_deferred():
        files = {
            "weights.npz": _npz_bytes(weights),
            "optimizer.npz": _npz_bytes({k: np.asarray(v) for k, v in optimizer.items()}),
            "vocab.json": _json_bytes(vocab),
            "state.json": _json_bytes(state),
        }
        digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
        files["config.json"] = _json_bytes({"format": FORMAT, "version": VERSION, **config,
                                            "sha256": digests})
        saves.mkdir(parents=True, exist_ok=True)
        remove_staging(folder)   # a killed save's leftovers hold disk space this save may need
        staging = Path(tempfile.mkdtemp(prefix=PARTIAL, dir=saves))
        path = staging
        try:
            for name, data in files.items():
                path = staging / name
                write_and_sync(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), data)
            sync_folder(staging)
        except OSError as error:
            shutil.rmtree(staging, ignore_errors=True)
            raise CheckpointError(f"could not save the checkpoint of step {config.get('step')}: "
                                  f"{error.strerror or error} writing {path}; the previous "
                                  "checkpoint is kept") from None
        final = _free_name(saves, int(config.get("step", 0)))
        os.rename(staging, final)   # the commit: one atomic step
        sync_folder(saves)
        _prune(saves, keep)
    return final


def remove_staging(folder: str | Path) -> None:
    """Remove the staging folders a killed or failed save left under `folder`/saves."""
    for partial in (Path(folder) / SAVES).glob(PARTIAL + "*"):
        shutil.rmtree(partial, ignore_errors=True)


def _free_name(saves: Path, step: int) -> Path:
    """`step-000001200`, or `step-000001200.1`, … when that step was saved already."""
    name = f"step-{step:09d}"
    candidate, copy = saves / name, 0
    while candidate.exists():
        copy += 1
        candidate = saves / f"{name}.{copy}"
    return candidate


def _order(path: Path) -> tuple[int, int]:
    step, _, copy = path.name[len("step-"):].partition(".")
    return int(step), int(copy or 0)


def complete_saves(folder: str | Path) -> list[Path]:
    """The complete saves under `folder`, oldest first (staging folders left out)."""
    saves = Path(folder) / SAVES
    if not saves.is_dir():
        return []
    found = [p for p in saves.iterdir() if p.is_dir() and p.name.startswith("step-")
             and p.name[5:].replace(".", "").isdigit()]
    return sorted(found, key=_order)


def _prune(saves: Path, keep: int) -> None:
    for old in complete_saves(saves.parent)[:-max(keep, 1)]:
        shutil.rmtree(old)


def current(folder: str | Path) -> Path:
    """The folder whose files are the checkpoint: the newest complete save, or `folder` itself
    in the older layout."""
    saves = complete_saves(folder)
    return saves[-1] if saves else Path(folder)


def exists(folder: str | Path) -> bool:
    return (current(folder) / "config.json").exists()


def _read(path: Path, digests: dict[str, str]) -> bytes:
    """The bytes of a checkpoint file, checked against config.json's SHA-256 where it has one
    (checkpoints written before the digests were added have none)."""
    try:
        size = path.stat().st_size
        if size > memory.SHARE * memory.machine_memory():   # before reading it into memory
            raise CheckpointError(f"checkpoint file {path} holds {memory.shown(size)}, more than "
                                  "half of this machine's memory")
        data = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint file {path} is missing") from None
    expected = digests.get(path.name)
    if expected is not None and hashlib.sha256(data).hexdigest() != expected:
        raise CheckpointError(f"checkpoint file {path} is corrupt or from another save: its "
                              "SHA-256 is not the one config.json records (was a save cut off?)")
    return data


def _read_json(path: Path, digests: dict[str, str]) -> Any:
    try:
        return json.loads(_read(path, digests).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"checkpoint file {path} is corrupt: {error}") from None


def _read_npz(path: Path, digests: dict[str, str]) -> dict[str, np.ndarray]:
    """The arrays of an .npz file, each member's header checked against its size before an
    array is allocated: a tampered header, a member that is not an array, a compressed member
    (a zip bomb: our saves store arrays as they are) are refused in one line."""
    data = _read(path, digests)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {info.filename[:-len(".npy")]: _read_member(archive, info, path, len(data))
                    for info in archive.infolist()}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        if isinstance(error, CheckpointError):
            raise
        raise CheckpointError(f"checkpoint file {path} is corrupt: {error}") from None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path,
                 size: int) -> np.ndarray:
    name = info.filename
    if not name.endswith(".npy"):
        raise CheckpointError(f"checkpoint file {path}: member {name} is not an array (.npy)")
    if info.header_offset + info.compress_size > size:
        raise CheckpointError(f"checkpoint file {path}: member {name} declares "
                              f"{info.compress_size:,} bytes, more than the file's {size:,}")
    if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
        raise CheckpointError(f"checkpoint file {path}: member {name} is compressed "
                              f"({info.compress_size:,} bytes declared to unpack to "
                              f"{info.file_size:,}); checkpoints store arrays uncompressed")
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
            np.lib.format.read_array_header_2_0
        shape, _, dtype = header(member)
        declared = math.prod(shape) * dtype.itemsize
        held = info.file_size - member.tell()
        if dtype.hasobject or declared != held:
            what = "Python objects" if dtype.hasobject else f"{declared:,} bytes"
            raise CheckpointError(f"checkpoint file {path}: member {name} declares {shape} "
                                  f"of {dtype} ({what}) but holds {held:,} bytes")
    with archive.open(info) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def load(folder: str | Path) -> dict[str, Any]:
    """config, vocab, weights, optimizer and state of a checkpoint folder's newest save."""
    if not Path(folder).is_dir():
        raise CheckpointError(f"checkpoint folder {folder} does not exist")
    folder = current(folder)
    config = _read_json(folder / "config.json", {})
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise CheckpointError(f"{folder / 'config.json'} is not a backproplab checkpoint")
    if config.get("version") != VERSION:
        raise CheckpointError(f"checkpoint {folder} has version {config.get('version')}, this "
                              f"backproplab reads version {VERSION}")
    digests = config.get("sha256", {})
    if not isinstance(digests, dict):
        raise CheckpointError(f"{folder / 'config.json'} is corrupt: its sha256 entry is not a table")
    return {
        "config": config,
        "vocab": _read_json(folder / "vocab.json", digests),
        "weights": _read_npz(folder / "weights.npz", digests),
        "optimizer": _read_npz(folder / "optimizer.npz", digests),
        "state": _read_json(folder / "state.json", digests),
    }
