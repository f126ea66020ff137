"""The command line end to end (train → sample → eval), and each bad input with its message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.checkpoint import current
from models.cli import main

NAMES = "\n".join(["anna", "bella", "chloe", "daisy", "emily", "fiona", "grace", "hazel",
                   "iris", "julia", "kate", "lena", "mona", "nora", "olga", "pia"] * 2) + "\n"
SMALL = ["--n-embd", "8", "--n-hidden", "16", "--n-layer", "1", "--n-head", "2"]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "names.txt"
    path.write_text(NAMES, encoding="utf-8")
    return path


def train(corpus: Path, out: Path, model: str = "mlp", *extra: str) -> int:
    return main(["train", "--model", model, "--data", str(corpus), "--steps", "30",
                 "--eval-every", "10", "--out", str(out), "--quiet", *SMALL, *extra])


@pytest.mark.parametrize("model", ["mlp", "cnn", "rnn", "transformer"])
def test_train_sample_eval(model: str, corpus: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / model
    assert train(corpus, out, model) == 0
    assert {p.name for p in current(out).iterdir()} == {
        "config.json", "vocab.json", "weights.npz", "optimizer.npz", "state.json"}
    assert sorted(p.name for p in out.iterdir()) == ["metrics.jsonl", "saves"]
    printed = capsys.readouterr().out
    assert "step 30: train loss" in printed and "val perplexity" in printed

    assert main(["sample", "--checkpoint", str(out), "--n", "4", "--prompt", "an",
                 "--seed", "1", "--top-k", "5"]) == 0
    samples = capsys.readouterr().out.split()
    assert len(samples) == 4 and all(s.startswith("an") for s in samples)

    assert main(["eval", "--checkpoint", str(out), "--split", "test", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"loss", "perplexity"}
    assert report["perplexity"] == pytest.approx(2.718281828 ** report["loss"], rel=1e-9)
    assert main(["eval", "--checkpoint", str(out)]) == 0
    assert "bits per character" in capsys.readouterr().out


def test_resume_continues_where_it_stopped(corpus: Path, tmp_path: Path, capsys) -> None:
    assert train(corpus, tmp_path / "a", "transformer", "--dropout", "0.1") == 0
    argv = ["train", "--model", "transformer", "--data", str(corpus), "--steps", "15",
            "--eval-every", "10", "--out", str(tmp_path / "b"), "--quiet", *SMALL, "--dropout", "0.1"]
    assert main(argv) == 0
    argv[argv.index("15")] = "30"
    assert main([*argv, "--resume"]) == 0
    a = json.loads((current(tmp_path / "a") / "state.json").read_text())
    b = json.loads((current(tmp_path / "b") / "state.json").read_text())
    assert a["history"] == b["history"] and len(a["history"]) == 30
    capsys.readouterr()


def test_resume_refuses_by_name_what_it_would_not_take(corpus: Path, tmp_path: Path,
                                                       capsys) -> None:
    """The same command plus --resume goes on; an option that would change the checkpoint's
    model, data or training settings is refused in one line (both values), nothing written."""
    out = tmp_path / "run"
    argv = ["train", "--model", "mlp", "--data", str(corpus), "--steps", "4", "--eval-every", "4",
            "--out", str(out), "--quiet", *SMALL, "--betas", "0.8", "0.9", "--lr-drop", "2:0.01"]
    assert main(argv) == 0
    saved = (current(out) / "state.json").read_bytes()
    capsys.readouterr()
    further = [*argv[:argv.index("--steps") + 1], "6", *argv[argv.index("--steps") + 2:]]
    for change in (["--lr", "0.5"], ["--n-embd", "12"], ["--split", "0.6,0.3,0.1"],
                   ["--betas", "0.8", "0.95"], ["--lr-drop", "3:0.01"], ["--momentum", "0.5"]):
        assert main([*further, *change, "--resume"]) == 2, change
        error = capsys.readouterr().err.strip().splitlines()
        assert len(error) == 1 and f"it would not take {change[0]} " in error[0], error
        assert "(it has " in error[0]
        assert (current(out) / "state.json").read_bytes() == saved
    assert main([*further, "--resume"]) == 0   # the same command goes on
    assert json.loads((current(out) / "config.json").read_text())["step"] == 6


def test_threads_limits_numpys_blas_and_is_no_setting_of_the_run(corpus: Path, tmp_path: Path,
                                                                  capsys, monkeypatch) -> None:
    """--threads N is PyTorch's set_num_threads for numpy's BLAS (checked in a process of its
    own, started with 2, or one per core if fewer): a way to run, not a setting of the run, so
    --resume takes another."""
    script = ("import sys; from threadpoolctl import threadpool_info; import numpy\n"
              "def blas(): return [i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas']\n"
              "before = blas()\n"
              "from models.cli import main\n"
              "assert main(sys.argv[1:]) == 0\n"
              "print(before, blas())\n")
    argv = ["train", "--model", "mlp", "--data", str(corpus), "--steps", "4", "--eval-every", "4",
            "--out", str(tmp_path / "run"), "--quiet", *SMALL]
    ran = subprocess.run([sys.executable, "-c", script, *argv, "--threads", "1"],
                         capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[1],
                         env={**os.environ, "OPENBLAS_NUM_THREADS": "2"})
    assert ran.returncode == 0, ran.stderr
    started = min(2, len(os.sched_getaffinity(0)))
    assert ran.stdout.strip().splitlines()[-1] == f"[{started}] [1]"
    asked: list[int] = []
    monkeypatch.setattr("models.cli.training.use_threads", asked.append)   # this process's BLAS stays
    further = [*argv[:argv.index("--steps") + 1], "6", *argv[argv.index("--steps") + 2:]]
    assert main([*further, "--threads", "2", "--resume"]) == 0 and asked == [2]
    capsys.readouterr()
    saved = (current(tmp_path / "run") / "state.json").read_bytes()
    for bad in ("0", "-1", "two", "100000"):
        assert main([*further, "--threads", bad, "--resume"]) == 2
        error = capsys.readouterr().err.strip().splitlines()
        assert len(error) == 1 and "--threads" in error[0], error
        assert (current(tmp_path / "run") / "state.json").read_bytes() == saved   # untouched


def test_running_text_at_word_level(tmp_path: Path, capsys) -> None:
    text = tmp_path / "text.txt"
    text.write_text("the cat sat on the mat and the dog sat on the log\n" * 20)
    assert main(["train", "--model", "rnn", "--data", str(text), "--level", "word",
                 "--block-size", "6", "--steps", "10", "--out", str(tmp_path / "w"), "--quiet",
                 "--bptt", "3", *SMALL]) == 0
    assert "stream data" in capsys.readouterr().out
    assert main(["sample", "--checkpoint", str(tmp_path / "w"), "--n", "1", "--prompt", "the cat",
                 "--max-new-tokens", "5"]) == 0
    assert len(capsys.readouterr().out.split()) == 7


def error_of(capsys, argv: list[str]) -> tuple[int, str]:
    status = main(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err   # one clear line, no traceback
    return status, lines[0]


def test_bad_data_files(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    binary = tmp_path / "latin1.txt"
    binary.write_bytes("café\n".encode("latin-1"))
    for path, message in ((tmp_path / "nope.txt", "does not exist"), (empty, "is empty"),
                          (binary, "is not UTF-8 text (byte 0xe9 at offset 3)")):
        status, line = error_of(capsys, ["train", "--model", "mlp", "--data", str(path),
                                         "--out", str(tmp_path / "x")])
        assert status == 1 and message in line and str(path) in line
        assert not (tmp_path / "x").exists()


def test_unknown_model(tmp_path: Path, capsys) -> None:
    status, line = error_of(capsys, ["train", "--model", "bow", "--out", str(tmp_path / "x")])
    assert status == 2 and "invalid choice: 'bow'" in line


def test_prompt_outside_the_vocabulary(corpus: Path, tmp_path: Path, capsys) -> None:
    assert train(corpus, tmp_path / "m") == 0
    capsys.readouterr()
    status, line = error_of(capsys, ["sample", "--checkpoint", str(tmp_path / "m"),
                                     "--prompt", "Zo!"])
    assert status == 1 and "--prompt: 2 symbol(s) not in the vocabulary: '!', 'Z'" in line


def test_checkpoint_of_another_model_and_existing_checkpoint(corpus: Path, tmp_path: Path,
                                                              capsys) -> None:
    assert train(corpus, tmp_path / "m") == 0
    capsys.readouterr()
    before = {p: p.read_bytes() for p in (tmp_path / "m").rglob("*") if p.is_file()}
    status, line = error_of(capsys, ["train", "--model", "rnn", "--data", str(corpus), "--out",
                                     str(tmp_path / "m"), "--resume"])
    assert status == 1 and "holds a mlp model, not rnn" in line
    status, line = error_of(capsys, ["train", "--model", "mlp", "--data", str(corpus), "--out",
                                     str(tmp_path / "m")])
    assert status == 1 and "already holds a checkpoint" in line
    assert {p: p.read_bytes() for p in (tmp_path / "m").rglob("*") if p.is_file()} == before


def test_corrupt_and_missing_checkpoints(corpus: Path, tmp_path: Path, capsys) -> None:
    assert train(corpus, tmp_path / "m") == 0
    capsys.readouterr()
    weights = current(tmp_path / "m") / "weights.npz"
    weights.write_bytes(weights.read_bytes()[:100])
    status, line = error_of(capsys, ["eval", "--checkpoint", str(tmp_path / "m")])
    assert status == 1 and "weights.npz is corrupt" in line
    (current(tmp_path / "m") / "config.json").write_text("{not json")
    status, line = error_of(capsys, ["sample", "--checkpoint", str(tmp_path / "m")])
    assert status == 1 and "config.json is corrupt" in line
    status, line = error_of(capsys, ["eval", "--checkpoint", str(tmp_path / "none")])
    assert status == 1 and "does not exist" in line


def test_an_abort_mid_step_keeps_the_last_checkpoint(corpus: Path, tmp_path: Path, capsys,
                                                     monkeypatch) -> None:
    from models.train import Trainer

    real_step = Trainer.train_step

    def interrupted_at_step_8(self: Trainer) -> float:
        if self.step == 7:
            raise KeyboardInterrupt   # as a second Ctrl-C would, in the middle of a step
        return real_step(self)

    monkeypatch.setattr(Trainer, "train_step", interrupted_at_step_8)
    out = tmp_path / "aborted"
    assert main(["train", "--model", "mlp", "--data", str(corpus), "--steps", "30",
                 "--eval-every", "5", "--out", str(out), "--quiet", *SMALL]) == 130
    err = capsys.readouterr().err
    assert f"aborted after step 7: {out} keeps its checkpoint of step 5" in err
    assert json.loads((current(out) / "config.json").read_text())["step"] == 5


def test_console_entry_point_runs_as_a_module(corpus: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "models", "train", "--model", "bow", "--out",
                           str(tmp_path / "x")], capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("backproplab: usage error:")


def test_ctrl_c_saves_a_checkpoint_and_exits_cleanly(corpus: Path, tmp_path: Path) -> None:
    import signal
    import time

    out = tmp_path / "interrupted"
    # Ctrl-C in a terminal: SIGINT at its default, whatever this run inherited (a shell starting
    # a job in the background with `&` ignores SIGINT, and Python then never raises on it)
    process = subprocess.Popen(
        [sys.executable, "-m", "models", "train", "--model", "transformer", "--data", str(corpus),
         "--steps", "1000000", "--eval-every", "5", "--out", str(out), "--quiet", *SMALL,
         "--dropout", "0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not (current(out) / "config.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted at step" in err and "Traceback" not in err
    step = json.loads((current(out) / "config.json").read_text())["step"]
    assert 5 <= step < 1000000

    # it stopped between two steps: resumed, it goes on exactly as a run that was never stopped
    common = ["--model", "transformer", "--data", str(corpus), "--steps", str(step + 3),
              "--eval-every", "5", "--quiet", *SMALL, "--dropout", "0.1"]
    assert main(["train", *common, "--out", str(out), "--resume"]) == 0
    assert main(["train", *common, "--out", str(tmp_path / "straight")]) == 0
    resumed = json.loads((current(out) / "state.json").read_text())["history"]
    straight = json.loads((current(tmp_path / "straight") / "state.json").read_text())["history"]
    assert resumed == straight and len(straight) == step + 3


def test_a_second_trainer_into_the_same_folder_is_refused_by_name(corpus: Path, tmp_path: Path,
                                                                 capsys) -> None:
    import signal
    import time

    out = tmp_path / "busy"
    common = ["--model", "mlp", "--data", str(corpus), "--eval-every", "5", "--quiet", *SMALL]
    first = subprocess.Popen([sys.executable, "-m", "models", "train", *common, "--steps",
                              "1000000", "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (current(out) / "config.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (out / ".train.lock").read_text().strip() == str(first.pid)
        assert main(["train", *common, "--steps", "10", "--out", str(out), "--resume"]) == 1
        err = capsys.readouterr().err
        assert f"is being written by another training run (pid {first.pid})" in err
        assert "Traceback" not in err
        assert (current(out) / "config.json").exists()   # the refused run removed nothing
    finally:
        first.send_signal(signal.SIGKILL)   # dies holding the lock
        first.communicate(timeout=30)
    step = json.loads((current(out) / "config.json").read_text())["step"]
    # a lock left by a run that no longer exists is taken over
    assert main(["train", *common, "--steps", str(step + 2), "--out", str(out), "--resume"]) == 0
    assert not (out / ".train.lock").exists()


KILL_AT = """
import os, signal, sys
from models import checkpoint
from models.cli import main

die_at, count, inside = int(sys.argv[1]), [0], [False]


def counted(real):
    def operation(*args, **kwargs):
        if inside[0]:
            count[0] += 1
            if count[0] == die_at:
                os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return operation


for name in ("open", "write", "fsync", "close", "mkdir", "rename", "replace", "unlink", "rmdir"):
    setattr(os, name, counted(getattr(os, name)))
real_save = checkpoint.save


def save(*args, **kwargs):
    inside[0] = True
    try:
        return real_save(*args, **kwargs)
    finally:
        inside[0] = False
        print("operations", count[0], flush=True)


checkpoint.save = save
sys.exit(main(sys.argv[2:]))
"""


def test_sigkill_at_every_file_operation_of_a_save_loses_no_run(corpus: Path,
                                                                tmp_path: Path) -> None:
    """A run resumed from step 4 saves once, at step 6; it is killed with SIGKILL at each file
    operation of that save in turn. After every kill, --resume goes on from the last complete
    step (4 or 6) and ends with exactly the loss curve of a run never interrupted."""
    import shutil

    common = ["--model", "mlp", "--data", str(corpus), "--eval-every", "100", "--quiet", *SMALL]
    assert main(["train", *common, "--steps", "4", "--out", str(tmp_path / "start")]) == 0
    assert main(["train", *common, "--steps", "8", "--out", str(tmp_path / "straight")]) == 0
    straight = json.loads((current(tmp_path / "straight") / "state.json").read_text())["history"]
    resume = ["train", *common, "--steps", "6", "--resume"]

    def killed_run(die_at: int) -> tuple[Path, subprocess.Popen]:
        folder = tmp_path / f"killed-{die_at}"
        shutil.copytree(tmp_path / "start", folder)
        child = subprocess.Popen([sys.executable, "-c", KILL_AT, str(die_at), *resume, "--out",
                                  str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        return folder, child

    _, child = killed_run(10**6)   # never killed: how many operations a save makes
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    operations = int(out.split("operations")[-1].split()[0])
    assert operations >= 20
    resumed_from = set()
    for first in range(1, operations + 1, 2):   # two children at a time: two cores
        runs = [killed_run(k) for k in (first, first + 1) if k <= operations]
        for folder, child in runs:
            child.communicate(timeout=120)
            assert child.returncode == -9   # SIGKILL
            step = json.loads((current(folder) / "config.json").read_text())["step"]
            assert step in (4, 6)
            resumed_from.add(step)
            assert main(["train", *common, "--steps", "8", "--resume", "--out", str(folder)]) == 0
            history = json.loads((current(folder) / "state.json").read_text())["history"]
            assert history == straight
    assert resumed_from == {4, 6}   # killed before the commit and after it
