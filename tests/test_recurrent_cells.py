"""The LSTM and GRU cells against PyTorch's documented equations (written here in numpy, in
PyTorch's weight layout), and their gradient through time: per-step shares of ∂J/∂W_h sum to
W_h's gradient, and `backproplab flow --model lstm` draws the three cells side by side."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from autograd import Tensor
from autograd.nn.recurrent import GRUCell, LSTMCell
from models.cli import main
from models.rnn_flow import compare_cells


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def test_the_lstm_cell_is_pytorchs() -> None:
    rng = np.random.default_rng(0)
    cell = LSTMCell(3, 4, dtype=np.float64, rng=rng)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    # PyTorch: W_ih (4H, in), W_hh (4H, H), rows in the order i, f, g, o
    w_ih, w_hh, b = cell.weight_x.data.T, cell.weight_h.data.T, cell.bias.data
    gates = x @ w_ih.T + h @ w_hh.T + b
    i, f, o = sigmoid(gates[:, :4]), sigmoid(gates[:, 4:8]), sigmoid(gates[:, 12:])
    g = np.tanh(gates[:, 8:12])
    c_new = f * c + i * g
    h_new, c_out = cell(Tensor(x), (Tensor(h), Tensor(c)))
    np.testing.assert_allclose(c_out.data, c_new, rtol=1e-12)
    np.testing.assert_allclose(h_new.data, o * np.tanh(c_new), rtol=1e-12)


def test_the_gru_cell_is_pytorchs() -> None:
    rng = np.random.default_rng(1)
    cell = GRUCell(3, 4, dtype=np.float64, rng=rng)
    x, h = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    gi = x @ cell.weight_x.data + cell.bias.data       # rows r, z, n
    gh = h @ cell.weight_h.data + cell.bias_h.data
    r, z = sigmoid(gi[:, :4] + gh[:, :4]), sigmoid(gi[:, 4:8] + gh[:, 4:8])
    n = np.tanh(gi[:, 8:] + r * gh[:, 8:])
    np.testing.assert_allclose(cell(Tensor(x), Tensor(h)).data, (1 - z) * n + z * h, rtol=1e-12)
    zero_state = cell(Tensor(x)).data   # no state given: zeros, as PyTorch
    np.testing.assert_allclose(zero_state, cell(Tensor(x), Tensor(np.zeros((2, 4)))).data)


def test_per_step_shares_sum_to_the_recurrent_gradient_in_every_cell(tmp_path: Path, capsys) -> None:
    flows = compare_cells(steps=10)
    assert [f.label for f in flows] == ["Elman RNN (tanh)", "LSTM", "GRU"]
    for flow in flows:
        np.testing.assert_allclose(sum(flow.shares), flow.total, rtol=1e-10, atol=1e-14)
        assert len(flow.state_norms) == 10 and flow.state_norms[0] < flow.state_norms[-1]
    assert flows[1].cell_norms is not None and flows[1].cell_norms[-1] == 0.0   # c_T: no reader
    assert flows[0].cell_norms is None and flows[2].cell_norms is None
    assert main(["flow", "--model", "gru", "--out", str(tmp_path / "cells.svg")]) == 0
    assert "LSTM" in (tmp_path / "cells.svg").read_text() and "GRU: ‖∂L/∂h_t‖" in capsys.readouterr().out
