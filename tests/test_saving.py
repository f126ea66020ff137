"""Saving never loses work: a set of files is staged before any rename, Ctrl-C waits for a save
to end, and a checkpoint whose files come from two saves is refused instead of mixed."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from autograd.plumbing.atomic import interrupts_deferred, write_files_atomically
from models import checkpoint
from models.cli.training import _ctrl_c_stops_between_steps


@pytest.fixture(autouse=True)
def ctrl_c_raises():
    """Ctrl-C as in a terminal, even when this run inherited SIGINT ignored (a background job)."""
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, inherited)


def save_step(folder: Path, step: int) -> None:
    checkpoint.save(folder, config={"step": step}, vocab={"symbols": ["a"]},
                    weights={"w": np.full(3, float(step))}, optimizer={"t": step},
                    state={"history": [0.5] * step})


def test_a_file_that_cannot_be_written_leaves_every_old_file_in_place(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "blocker").write_text("a file where a folder would have to be")
    with pytest.raises(OSError):
        write_files_atomically({tmp_path / "a.txt": "new a",
                                tmp_path / "blocker" / "b.txt": "new b"})
    assert (tmp_path / "a.txt").read_text() == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "blocker"]   # no temporaries


def test_ctrl_c_inside_the_block_is_delivered_when_it_ends() -> None:
    finished = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_deferred():
            signal.raise_signal(signal.SIGINT)
            finished.append(True)   # still running: the interrupt was held back
    assert finished == [True]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_during_a_checkpoint_save_comes_after_the_whole_save(tmp_path: Path,
                                                                     monkeypatch) -> None:
    save_step(tmp_path, 1)
    real_replace = os.replace

    def replace_then_interrupt(source: str, target: str) -> None:
        real_replace(source, target)
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_step(tmp_path, 2)
    monkeypatch.undo()
    saved = checkpoint.load(tmp_path)
    assert saved["config"]["step"] == 2 and saved["weights"]["w"].tolist() == [2.0] * 3


def test_files_from_two_saves_are_refused(tmp_path: Path, monkeypatch) -> None:
    save_step(tmp_path, 1)
    real_replace = os.replace
    renamed = []

    def killed_after_two_renames(source: str, target: str) -> None:
        if len(renamed) == 2:
            raise SystemExit("killed")   # as if the process died between two renames
        renamed.append(target)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", killed_after_two_renames)
    with pytest.raises(SystemExit):
        save_step(tmp_path, 2)
    monkeypatch.undo()
    assert [Path(t).name for t in renamed] == ["weights.npz", "optimizer.npz"]
    with pytest.raises(checkpoint.CheckpointError,
                       match=r"weights.npz is corrupt or from another save"):
        checkpoint.load(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "config.json", "optimizer.npz", "state.json", "vocab.json", "weights.npz"]


def test_a_checkpoint_without_digests_still_loads_and_is_still_checked(tmp_path: Path) -> None:
    save_step(tmp_path, 3)
    config = json.loads((tmp_path / "config.json").read_text())
    del config["sha256"]   # as written before the digests were added
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert checkpoint.load(tmp_path)["state"]["history"] == [0.5] * 3
    weights = tmp_path / "weights.npz"
    weights.write_bytes(weights.read_bytes()[:50])
    with pytest.raises(checkpoint.CheckpointError, match=r"weights.npz is corrupt: "):
        checkpoint.load(tmp_path)


def test_first_ctrl_c_asks_to_stop_and_a_second_one_interrupts(capsys) -> None:
    with _ctrl_c_stops_between_steps() as stop_requested:
        assert not stop_requested()
        signal.raise_signal(signal.SIGINT)
        assert stop_requested()
        assert "stopping after this step" in capsys.readouterr().err
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_config_whose_digest_table_is_not_a_table_is_named(tmp_path: Path) -> None:
    save_step(tmp_path, 1)
    config = json.loads((tmp_path / "config.json").read_text())
    config["sha256"] = "not a table"
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(checkpoint.CheckpointError, match=r"its sha256 entry is not a table"):
        checkpoint.load(tmp_path)


def test_ctrl_c_outside_training_is_one_line_and_status_130(monkeypatch, capsys) -> None:
    from models import cli

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "sample", interrupted)
    assert cli.main(["sample", "--checkpoint", "anywhere"]) == 130
    assert capsys.readouterr().err == "backproplab: interrupted\n"
