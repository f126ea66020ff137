"""Checkpoints: a folder of JSON (settings, vocabulary, training state) and .npz (weights,
optimiser state) — no pickle. Each file is written to a temporary name and renamed into place,
and config.json goes last, so a folder is either a whole checkpoint or an old one."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from autograd.atomic import write_atomically

FORMAT = "backproplab-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint folder that is missing, incomplete, corrupt or of another model."""


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2) + "\n").encode("utf-8")


def save(folder: str | Path, config: dict[str, Any], vocab: dict[str, Any],
         weights: dict[str, np.ndarray], optimizer: dict[str, Any], state: dict[str, Any]) -> None:
    folder = Path(folder)
    arrays = {k: np.asarray(v) for k, v in optimizer.items()}
    write_atomically(folder / "weights.npz", _npz_bytes(weights))
    write_atomically(folder / "optimizer.npz", _npz_bytes(arrays))
    write_atomically(folder / "vocab.json", _json_bytes(vocab))
    write_atomically(folder / "state.json", _json_bytes(state))
    write_atomically(folder / "config.json", _json_bytes({"format": FORMAT, "version": VERSION,
                                                          **config}))


def exists(folder: str | Path) -> bool:
    return (Path(folder) / "config.json").exists()


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint file {path} is missing") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"checkpoint file {path} is corrupt: {error}") from None


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint file {path} is missing") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise CheckpointError(f"checkpoint file {path} is corrupt: {error}") from None


def load(folder: str | Path) -> dict[str, Any]:
    """config, vocab, weights, optimizer and state of a checkpoint folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"checkpoint folder {folder} does not exist")
    config = _read_json(folder / "config.json")
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise CheckpointError(f"{folder / 'config.json'} is not a backproplab checkpoint")
    if config.get("version") != VERSION:
        raise CheckpointError(f"checkpoint {folder} has version {config.get('version')}, this "
                              f"backproplab reads version {VERSION}")
    return {
        "config": config,
        "vocab": _read_json(folder / "vocab.json"),
        "weights": _read_npz(folder / "weights.npz"),
        "optimizer": _read_npz(folder / "optimizer.npz"),
        "state": _read_json(folder / "state.json"),
    }
