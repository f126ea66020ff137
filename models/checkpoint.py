"""Checkpoints: a folder of JSON (settings, vocabulary, training state) and .npz (weights,
optimiser state) — no pickle. Every file is staged under a temporary name before the first is
renamed into place, Ctrl-C waits until the save is done, and config.json goes last with the
SHA-256 of each other file: a folder whose files come from two saves (a process killed between
two renames) is refused by name instead of resuming from mixed weights and optimiser state."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from autograd.plumbing.atomic import interrupts_deferred, write_files_atomically

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


def save(folder: str | Path, config: dict[str, Any], vocab: dict[str, Any],
         weights: dict[str, np.ndarray], optimizer: dict[str, Any], state: dict[str, Any]) -> None:
    folder = Path(folder)
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
        write_files_atomically({folder / name: data for name, data in files.items()})


def exists(folder: str | Path) -> bool:
    return (Path(folder) / "config.json").exists()


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
    """config, vocab, weights, optimizer and state of a checkpoint folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"checkpoint folder {folder} does not exist")
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
