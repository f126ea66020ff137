"""No run lost, nothing unbounded (issue 20): the writer lock, SIGTERM, a diverging run, a full
disk, a corpus of one huge line, and checkpoint files that lie about their sizes."""

from __future__ import annotations

import hashlib
import io
import json
import math
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from models.checkpoint import current
from models.cli import main
from models.train import perplexity_report
from models.writer_lock import LOCK_NAME
from tests.test_cli import NAMES, SMALL


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "names.txt"
    path.write_text(NAMES, encoding="utf-8")
    return path


def history(out: Path) -> list[float]:
    return json.loads((current(out) / "state.json").read_text())["history"]


def saved_step(out: Path) -> int:
    return json.loads((current(out) / "config.json").read_text())["step"]


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# --- the writer lock -----------------------------------------------------------------------------
def test_a_lock_file_naming_a_live_pid_blocks_nothing(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).write_text("1\n")   # pid 1 is alive: a pid-file lock would refuse
    assert main(["train", "--model", "mlp", "--data", str(corpus), "--steps", "3", "--quiet",
                 *SMALL, "--out", str(out)]) == 0


SLOW_DATA = """
import sys, time
from models.settings import DataSettings
from models.cli import main

load = DataSettings.load
def slow(self, vocab=None):
    time.sleep(2)   # a large corpus: the data takes long to load
    return load(self, vocab)
DataSettings.load = slow
sys.exit(main(sys.argv[1:]))
"""


def test_two_trainers_started_a_second_apart_into_one_folder_exactly_one_runs(
        corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "shared"
    argv = ["train", "--model", "mlp", "--data", str(corpus), "--steps", "20", "--eval-every",
            "5", "--quiet", *SMALL, "--out", str(out)]
    first = subprocess.Popen([sys.executable, "-c", SLOW_DATA, *argv, "--seed", "1"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    second = subprocess.Popen([sys.executable, "-c", SLOW_DATA, *argv, "--seed", "2"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = [(p.wait(timeout=120), *p.communicate()) for p in (first, second)]
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [0, 1], results
    refused = next(err for status, _, err in results if status == 1)
    assert ("being written by another training run" in refused or
            "already holds a checkpoint" in refused) and "Traceback" not in refused
    # the folder holds the one run that ran, its log and checkpoint telling the same story
    winner = 1 if results[0][0] == 0 else 2
    config = json.loads((current(out) / "config.json").read_text())
    assert config["train"]["seed"] == winner and config["step"] == 20
    logged = [json.loads(line)["loss"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert logged == history(out)


# --- SIGTERM -------------------------------------------------------------------------------------
def test_sigterm_saves_the_step_and_exits_143_and_the_run_resumes_exactly(
        corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "terminated"
    common = ["--model", "transformer", "--data", str(corpus), "--eval-every", "5", "--quiet",
              *SMALL, "--dropout", "0.1"]
    process = subprocess.Popen([sys.executable, "-m", "models", "train", *common, "--steps",
                                "1000000", "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (current(out) / "config.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert "SIGTERM: stopping after this step" in err and "Traceback" not in err
    step = saved_step(out)
    assert 5 <= step < 1000000
    assert main(["train", *common, "--steps", str(step + 3), "--out", str(out), "--resume"]) == 0
    assert main(["train", *common, "--steps", str(step + 3), "--out", str(tmp_path / "straight")]) == 0
    assert history(out) == history(tmp_path / "straight") and len(history(out)) == step + 3


# --- a diverging run -------------------------------------------------------------------------------
def test_a_perplexity_past_a_floats_range_is_inf() -> None:
    assert perplexity_report(800.0)["perplexity"] == math.inf
    assert perplexity_report(700.0)["perplexity"] == pytest.approx(math.exp(700.0))
    assert math.isnan(perplexity_report(math.nan)["perplexity"])


def test_a_run_whose_validation_loss_overflows_saves_and_shows_inf(corpus: Path, tmp_path: Path,
                                                                   capsys) -> None:
    out = tmp_path / "wild"
    assert main(["train", "--model", "transformer", "--data", str(corpus), "--lr", "9.99",
                 "--steps", "10", "--eval-every", "5", "--quiet", *SMALL, "--n-embd", "32",
                 "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and saved_step(out) == 10
    losses = [float(line.split("val loss ")[1].split(",")[0])
              for line in captured.out.splitlines() if "val loss" in line]
    assert max(losses) > 710   # e^710 overflows a float: shown as inf, not a crash
    assert "val perplexity inf" in captured.out
    assert main(["eval", "--checkpoint", str(out)]) == 0
    assert "perplexity inf" in capsys.readouterr().out
    assert main(["eval", "--checkpoint", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)   # strict JSON: no Infinity
    assert report["loss"] > 710 and report["perplexity"] is None


def test_a_step_whose_loss_is_nan_keeps_the_step_before_it(corpus: Path, tmp_path: Path,
                                                          capsys, monkeypatch) -> None:
    from models.mlp import MLPLanguageModel

    real_loss, calls = MLPLanguageModel.loss, [0]

    def nan_at_the_eighth_step(self, idx, targets):
        loss = real_loss(self, idx, targets)
        calls[0] += 1
        return loss * math.nan if calls[0] == 8 and self.training else loss

    common = ["--model", "mlp", "--data", str(corpus), "--eval-every", "100", "--quiet", *SMALL]
    monkeypatch.setattr(MLPLanguageModel, "loss", nan_at_the_eighth_step)
    assert main(["train", *common, "--steps", "10", "--out", str(tmp_path / "nan")]) == 1
    line = one_line(capsys)
    assert f"training diverged at step 8: loss nan: {tmp_path / 'nan'} holds the checkpoint " \
           "of step 7" in line
    monkeypatch.setattr(MLPLanguageModel, "loss", real_loss)
    # the saved step is whole (weights, optimiser and random state of step 7): resumed, it runs
    # as a run that never met the NaN
    assert main(["train", *common, "--steps", "10", "--out", str(tmp_path / "nan"), "--resume"]) == 0
    assert main(["train", *common, "--steps", "10", "--out", str(tmp_path / "straight")]) == 0
    assert history(tmp_path / "nan") == history(tmp_path / "straight")


# --- a full disk -----------------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def fill(path: Path) -> None:
    """Write zeros into `path` until the disk is full."""
    with path.open("wb") as file:
        try:
            while True:
                file.write(b"\0" * 65536)
                file.flush()
        except OSError:
            pass


def test_a_full_disk_is_named_and_resume_then_works(corpus: Path, small_disk: Path,
                                                   tmp_path: Path, capsys) -> None:
    out = small_disk / "run"
    common = ["--model", "mlp", "--data", str(corpus), "--eval-every", "5", "--quiet", *SMALL]
    assert main(["train", *common, "--steps", "5", "--out", str(out)]) == 0
    capsys.readouterr()
    fill(small_disk / "filler")
    assert main(["train", *common, "--steps", "10", "--out", str(out), "--resume"]) == 1
    line = one_line(capsys)
    assert "No space left on device" in line and str(out) in line
    assert saved_step(out) == 5 and not list((out / "saves").glob(".partial-*"))
    (small_disk / "filler").unlink()
    assert main(["train", *common, "--steps", "10", "--out", str(out), "--resume"]) == 0
    assert main(["train", *common, "--steps", "10", "--out", str(tmp_path / "straight")]) == 0
    assert history(out) == history(tmp_path / "straight")


def test_a_killed_saves_staging_folder_does_not_block_resume(corpus: Path, small_disk: Path,
                                                            capsys) -> None:
    out = small_disk / "run"
    common = ["--model", "mlp", "--data", str(corpus), "--eval-every", "5", "--quiet", *SMALL]
    assert main(["train", *common, "--steps", "5", "--out", str(out)]) == 0
    leftover = out / "saves" / ".partial-killed"
    leftover.mkdir()
    fill(leftover / "weights.npz")   # a save killed half-way on a disk it filled
    assert main(["train", *common, "--steps", "10", "--out", str(out), "--resume"]) == 0
    assert saved_step(out) == 10 and not leftover.exists()


# --- a corpus of one huge line ---------------------------------------------------------------------
RSS = """
import resource, sys
from models.cli import main
status = main(sys.argv[1:])
print("rss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, flush=True)
sys.exit(status)
"""


def test_a_corpus_of_one_50_mb_line_trains_within_1_gb(tmp_path: Path) -> None:
    data = tmp_path / "one-line.txt"
    rng = np.random.default_rng(0)
    block = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), 1_000_000))
    data.write_text(block * 50)   # 50 MB, no space, no newline
    done = subprocess.run([sys.executable, "-c", RSS, "train", "--model", "mlp", "--data",
                           str(data), "--steps", "3", "--eval-every", "3", "--quiet", *SMALL,
                           "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "stream data" in done.stdout
    rss = int(done.stdout.split("rss ")[1])
    assert rss < 1 << 30, f"{rss / 2**20:.0f} MiB"


@pytest.mark.parametrize("level", ["char", "word"])
def test_a_stream_encoded_in_chunks_is_the_text_token_by_token(level: str, monkeypatch) -> None:
    import models.data as data

    monkeypatch.setattr(data, "CHUNK", 7)   # chunk boundaries inside words and lines
    text = "the cat  sat\non the mat, and the dog sat on the log\n" * 3 + "é → ok\n"
    corpus = data.Corpus.from_text(text, level, "stream", fractions=(1.0, 0.0, 0.0))
    tokens = list(text) if level == "char" else text.split()
    assert corpus.vocab.tokens == sorted(set(tokens))
    assert [corpus.vocab.tokens[i] for i in corpus.splits["train"][0]] == tokens
    with pytest.raises(data.DataError, match="1 symbol\\(s\\) not in the vocabulary: 'zebra'" if
                       level == "word" else "not in the vocabulary: 'b', 'r', 'z'"):
        corpus.vocab.encode_stream("the cat zebra " * 3)


def test_a_line_too_long_for_lines_data_is_refused(tmp_path: Path, capsys) -> None:
    data = tmp_path / "long.txt"
    data.write_text("anna\n\nbob\n" + "x" * 20_000 + "\n")   # line 4, after a blank one
    assert main(["train", "--model", "mlp", "--data", str(data), "--shape", "lines", "--out",
                 str(tmp_path / "out")]) == 1
    line = one_line(capsys)
    assert "line 4 of the data has 20,000 characters" in line and "--shape stream" in line
    assert not (tmp_path / "out").exists()


# --- checkpoint files that lie -------------------------------------------------------------------
@pytest.fixture
def trained(corpus: Path, tmp_path: Path) -> Path:
    out = tmp_path / "good"
    assert main(["train", "--model", "mlp", "--data", str(corpus), "--steps", "2", "--quiet",
                 *SMALL, "--out", str(out)]) == 0
    return out


def replace_npz(out: Path, name: str, members: dict[str, bytes],
                compression: int = zipfile.ZIP_STORED) -> None:
    """Write `name` with these raw members and record its SHA-256, as a careful forger would."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    path = current(out) / name
    path.write_bytes(buffer.getvalue())
    config = json.loads((current(out) / "config.json").read_text())
    config["sha256"][name] = hashlib.sha256(buffer.getvalue()).hexdigest()
    (current(out) / "config.json").write_text(json.dumps(config))


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def members_of(out: Path, name: str) -> dict[str, bytes]:
    with zipfile.ZipFile(current(out) / name) as archive:
        return {member: archive.read(member) for member in archive.namelist()}


def refused(out: Path, capsys) -> str:
    assert main(["eval", "--checkpoint", str(out)]) == 1
    return one_line(capsys)


def test_a_header_declaring_a_trillion_floats_is_refused_before_allocating(trained: Path,
                                                                          capsys) -> None:
    members = members_of(trained, "weights.npz")
    first = sorted(members)[0]
    header = np.lib.format.header_data_from_array_1_0(np.zeros(16, dtype=np.float32))
    header["shape"] = (10**12,)
    forged = io.BytesIO()
    np.lib.format.write_array_header_1_0(forged, header)
    members[first] = forged.getvalue() + np.zeros(16, dtype=np.float32).tobytes()  # 64 bytes
    replace_npz(trained, "weights.npz", members)
    line = refused(trained, capsys)
    assert f"member {first} declares (1000000000000,) of float32 (4,000,000,000,000 bytes) but " \
           "holds 64 bytes" in line


def test_a_member_that_is_not_an_array_is_refused(trained: Path, capsys) -> None:
    members = members_of(trained, "optimizer.npz")
    replace_npz(trained, "optimizer.npz", {**members, "notes.txt": b"hello"})
    assert "member notes.txt is not an array (.npy)" in refused(trained, capsys)
    replace_npz(trained, "optimizer.npz", {**members, "lr.npy": b"not an npy file at all"})
    assert "optimizer.npz is corrupt" in refused(trained, capsys)


def test_a_zip_bomb_is_refused_without_unpacking_it(trained: Path, capsys) -> None:
    members = members_of(trained, "weights.npz")
    first = sorted(members)[0]
    members[first] = npy(np.zeros(2_500_000, dtype=np.float32))   # 10 MB, deflates to ~10 kB
    replace_npz(trained, "weights.npz", members, zipfile.ZIP_DEFLATED)
    assert (current(trained) / "weights.npz").stat().st_size < 100_000
    line = refused(trained, capsys)
    assert f"member {first} is compressed" in line and "unpack to 10,000,128" in line


def test_a_file_larger_than_the_memory_share_is_not_read(trained: Path, capsys,
                                                         monkeypatch) -> None:
    from models import memory

    size = (current(trained) / "weights.npz").stat().st_size
    monkeypatch.setattr(memory, "machine_memory", lambda: size)   # the file: all of it
    line = refused(trained, capsys)
    assert f"weights.npz holds {memory.shown(size)}, more than half of this machine's memory" \
        in line
