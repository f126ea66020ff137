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
from models.stopping import ctrl_c_stops_between_steps


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
    real_fsync = os.fsync

    def fsync_then_interrupt(descriptor: int) -> None:
        real_fsync(descriptor)
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(os, "fsync", fsync_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_step(tmp_path, 2)
    monkeypatch.undo()
    saved = checkpoint.load(tmp_path)
    assert saved["config"]["step"] == 2 and saved["weights"]["w"].tolist() == [2.0] * 3


class Killed(BaseException):
    """The process dying at this point (nothing after it runs, as after SIGKILL)."""


def file_operations(monkeypatch, die_at: int | None) -> list[str]:
    """Count the save's file operations, dying at operation `die_at`."""
    done: list[str] = []
    for name in ("open", "write", "fsync", "close", "mkdir", "rename", "replace", "unlink",
                 "rmdir"):
        real = getattr(os, name)

        def counted(*args, _real=real, _name=name, **kwargs):
            done.append(_name)
            if len(done) == die_at:
                raise Killed
            return _real(*args, **kwargs)

        monkeypatch.setattr(os, name, counted)
    return done


def test_a_save_killed_at_any_file_operation_never_loses_the_last_checkpoint(
        tmp_path: Path, monkeypatch) -> None:
    """Killed at each file operation of a save in turn, the folder always loads: either the old
    checkpoint (step 1) or the new one (step 2) complete, never a mix; the next save cleans up."""
    reference = tmp_path / "reference"
    save_step(reference, 1)
    operations = file_operations(monkeypatch, None)
    save_step(reference, 2)
    monkeypatch.undo()
    count = len(operations)
    assert count >= 20 and "rename" in operations and operations.count("fsync") >= 6
    outcomes = []
    for die_at in range(1, count + 1):
        folder = tmp_path / f"killed-{die_at}"
        save_step(folder, 1)
        file_operations(monkeypatch, die_at)
        with pytest.raises(Killed):
            save_step(folder, 2)
        monkeypatch.undo()
        saved = checkpoint.load(folder)
        step = saved["config"]["step"]
        assert saved["weights"]["w"].tolist() == [float(step)] * 3, die_at
        assert saved["state"]["history"] == [0.5] * step
        outcomes.append(step)
        save_step(folder, 3)   # the next save: no staging folder left, two complete saves
        assert [p.name for p in (folder / "saves").iterdir() if p.name.startswith(".")] == []
        assert checkpoint.load(folder)["config"]["step"] == 3
    assert outcomes[0] == 1 and outcomes[-1] == 2 and sorted(outcomes) == outcomes


def test_the_newest_complete_saves_are_kept(tmp_path: Path) -> None:
    for step in (1, 2, 3, 4):
        save_step(tmp_path, step)
    assert [p.name for p in checkpoint.complete_saves(tmp_path)] == [
        "step-000000003", "step-000000004"]
    checkpoint.save(tmp_path, config={"step": 4}, vocab={}, weights={"w": np.zeros(3)},
                    optimizer={}, state={}, keep=3)   # the same step again: a copy of its own
    assert [p.name for p in checkpoint.complete_saves(tmp_path)] == [
        "step-000000003", "step-000000004", "step-000000004.1"]
    assert checkpoint.load(tmp_path)["weights"]["w"].tolist() == [0.0] * 3


def test_a_checkpoint_in_the_older_layout_still_loads(tmp_path: Path) -> None:
    """Files directly in the folder, as before saves had folders of their own (and before the
    digests were added): still read, and still checked."""
    save_step(tmp_path / "new", 3)
    for path in checkpoint.current(tmp_path / "new").iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    config = json.loads((tmp_path / "config.json").read_text())
    del config["sha256"]
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert checkpoint.current(tmp_path) == tmp_path
    assert checkpoint.load(tmp_path)["state"]["history"] == [0.5] * 3
    weights = tmp_path / "weights.npz"
    weights.write_bytes(weights.read_bytes()[:50])
    with pytest.raises(checkpoint.CheckpointError, match=r"weights.npz is corrupt: "):
        checkpoint.load(tmp_path)


def test_files_of_a_save_edited_apart_are_refused_by_digest(tmp_path: Path) -> None:
    save_step(tmp_path, 1)
    save_step(tmp_path, 2)
    old, new = checkpoint.complete_saves(tmp_path)
    (new / "weights.npz").write_bytes((old / "weights.npz").read_bytes())
    with pytest.raises(checkpoint.CheckpointError,
                       match=r"weights.npz is corrupt or from another save"):
        checkpoint.load(tmp_path)


def test_first_ctrl_c_asks_to_stop_and_a_second_one_interrupts(capsys) -> None:
    with ctrl_c_stops_between_steps() as stop_requested:
        assert not stop_requested()
        signal.raise_signal(signal.SIGINT)
        assert stop_requested()
        assert "stopping after this step" in capsys.readouterr().err
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_config_whose_digest_table_is_not_a_table_is_named(tmp_path: Path) -> None:
    save_step(tmp_path, 1)
    path = checkpoint.current(tmp_path) / "config.json"
    config = json.loads(path.read_text())
    config["sha256"] = "not a table"
    path.write_text(json.dumps(config))
    with pytest.raises(checkpoint.CheckpointError, match=r"its sha256 entry is not a table"):
        checkpoint.load(tmp_path)


def test_ctrl_c_outside_training_is_one_line_and_status_130(monkeypatch, capsys) -> None:
    from models import cli

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "sample", interrupted)
    assert cli.main(["sample", "--checkpoint", "anywhere"]) == 130
    assert capsys.readouterr().err == "backproplab: interrupted\n"
