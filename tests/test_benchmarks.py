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
