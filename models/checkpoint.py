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
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from autograd.plumbing.atomic import interrupts_deferred, sync_folder, write_and_sync

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
        staging = Path(tempfile.mkdtemp(prefix=PARTIAL, dir=saves))
        for name, data in files.items():
            write_and_sync(os.open(staging / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644),
                           data)
        sync_folder(staging)
        final = _free_name(saves, int(config.get("step", 0)))
        os.rename(staging, final)   # the commit: one atomic step
        sync_folder(saves)
        _prune(saves, keep)
    return final


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
    for partial in saves.glob(PARTIAL + "*"):
        shutil.rmtree(partial, ignore_errors=True)   # left by a save that was killed


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
    data = _read(path, digests)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise CheckpointError(f"checkpoint file {path} is corrupt: {error}") from None


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
