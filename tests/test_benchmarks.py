"""The benchmark harness's own checks (none of these needs PyTorch or micrograd)."""

from __future__ import annotations

import pytest

from benchmarks.speed import Worker
from benchmarks.torch_reference import make_twin
from benchmarks.workloads import _lm_trainer
from models.train import tokens_per_step


def test_a_failing_worker_is_reported_with_its_workload_engine_and_error() -> None:
    with pytest.raises(RuntimeError, match=r"(?s)per-op/no-such-engine failed:.*KeyError"):
        Worker("per-op", "no-such-engine", threads=1)


def test_only_the_recurrent_models_have_a_fused_twin() -> None:
    with pytest.raises(ValueError, match="a fused twin exists for the rnn, lstm, gru only, not mlp"):
        make_twin(_lm_trainer("mlp-small"), fused=True)


def test_tokens_per_step_counts_examples_for_windows_and_positions_for_sequences() -> None:
    assert tokens_per_step(window=True, batch_size=32, block_size=8) == 32
    assert tokens_per_step(window=False, batch_size=32, block_size=8) == 256


@pytest.mark.parametrize("argv", [["--threads", "0"], ["--threads", "65"], ["--clients", "fast"],
                                  ["--streams", "100000"], ["--seconds", "1e9"], ["--model", "x"]])
def test_the_live_load_refuses_unbounded_or_unknown_options_in_one_line(argv, capsys,
                                                                       monkeypatch) -> None:
    import benchmarks.live_load as live_load

    monkeypatch.setattr(live_load, "measure", lambda *a: pytest.fail("it started a run"))
    with pytest.raises(SystemExit) as stopped:
        live_load.main(argv)
    assert stopped.value.code == 2
    error = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(error) == 1 and (argv[0] in error[0] or "invalid choice" in error[0]), error
