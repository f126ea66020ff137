"""Defects found by porting peers' test suites (issue 11): each test failed before its fix.

Every expected gradient is worked out by hand or by float64 central differences, never taken
from the engine."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import F, Function, Linear, Scalar, Tensor, no_grad
from autograd.gates import shape


def test_powers_at_zero_follow_pytorch() -> None:
    """∂(xʸ)/∂x = 0 where y = 0, ∂(xʸ)/∂y = 0 where x = 0 and y ≥ 0, instead of NaN."""
    x = Tensor(np.array([0.0, 0.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([0.0, 2.0, 3.0]), requires_grad=True)
    (x ** y).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 12.0])   # y·xʸ⁻¹: 0, 2·0, 3·4
    np.testing.assert_allclose(y.grad, [0.0, 0.0, 8 * np.log(2)])
    x2 = Tensor(np.zeros((2, 2)), requires_grad=True)
    (x2 ** 2).sum().backward()
    np.testing.assert_array_equal(x2.grad, np.zeros((2, 2)))
    base, exponent = Scalar(0.0), Scalar(1.5)
    (base ** exponent).backward()
    assert exponent.grad == 0.0 and base.grad == 0.0          # 1.5·0^0.5 = 0
    zero_exponent = Scalar(2.0)
    (0 ** zero_exponent).backward()
    assert zero_exponent.grad == 0.0


def test_a_cast_to_integers_is_not_differentiable() -> None:
    x = Tensor(np.array([1.5, 2.5]), requires_grad=True)
    ints = x.astype(int)
    assert ints.requires_grad is False and ints.grad_fn is None
    assert ints.dtype.kind == "i"
    (x * 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_assigning_a_wrong_grad_is_refused_naming_the_tensor() -> None:
    w = Tensor(np.zeros((2, 3)), requires_grad=True, name="w")
    with pytest.raises(ValueError, match=r"Tensor.grad of 'w'.*shape \(3, 2\).*shape \(2, 3\)"):
        w.grad = np.zeros((3, 2))
    with pytest.raises(TypeError, match=r"dtype int64 to a tensor of dtype float64"):
        w.grad = np.zeros((2, 3), dtype=np.int64)
    with pytest.raises(TypeError, match=r"assigned a Tensor \(assign its .data\)"):
        w.grad = w
    w.grad = np.ones((2, 3))
    w.grad = None
    assert w.grad is None


def test_sigmoid_keeps_relative_precision_in_both_tails() -> None:
    x64 = Tensor(np.array([-100.0, -30.0, 30.0]), dtype=np.float64)
    exact = 1 / (1 + np.exp(np.array([100.0, 30.0, -30.0])))
    np.testing.assert_allclose(x64.sigmoid().data, exact, rtol=1e-14)
    x32 = Tensor(np.array([-20.0, -10.0], dtype=np.float32))
    exact32 = 1 / (1 + np.exp(np.array([20.0, 10.0])))
    np.testing.assert_allclose(x32.sigmoid().data, exact32, rtol=1e-6)
    assert Scalar(-100.0).sigmoid().data == pytest.approx(3.720075976020836e-44, rel=1e-12)


def test_cross_entropy_with_every_target_ignored_moves_no_weight() -> None:
    logits = Tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    loss = F.cross_entropy(logits, np.array([-1, -1, -1]), ignore_index=-1)
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(logits.grad, np.zeros((3, 4)))


def test_a_backward_may_return_trailing_nones() -> None:
    class Double(Function):
        """z = 2x;  ∂z/∂x = 2"""

        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            return 2 * grad, None, None

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    Double.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])

    class TooMany(Double):
        @staticmethod
        def backward(ctx, grad):
            return 2 * grad, 2 * grad

    with pytest.raises(RuntimeError, match=r"TooMany\.backward returned 2 gradients for 1"):
        TooMany.apply(Tensor(np.ones(2), requires_grad=True)).sum().backward()


def test_augmented_assignment_changes_a_tensor_in_place() -> None:
    layer = Linear(3, 2, rng=np.random.default_rng(0))
    x = Tensor(np.ones((4, 3)))
    layer(x).sum().backward()
    weight, before = layer.weight, layer.weight.data.copy()
    with no_grad():
        for p in layer.parameters():
            p -= 0.1 * p.grad   # the lectures' hand-written SGD
    assert layer.weight is weight and layer.weight.requires_grad
    np.testing.assert_allclose(layer.weight.data, before - 0.1 * 4.0)   # ∂/∂W of Σ x·W = 4
    with pytest.raises(RuntimeError, match="in-place change of a tensor that requires grad"):
        layer.weight += 1.0   # outside no_grad, as PyTorch refuses for a leaf
    t = Tensor(np.array([1.0, 2.0]))
    alias = t
    t *= 3
    assert alias is t and list(t.data) == [3.0, 6.0]
    h = Tensor(np.array([1.0, 2.0]), requires_grad=True) * 2   # inside a recorded graph
    h += 1                                                       # stays differentiable
    assert h.grad_fn is not None


def test_comparisons_are_elementwise_and_not_differentiable() -> None:
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([1.0, 0.0, 3.0]))
    equal = a == b
    assert isinstance(equal, Tensor) and equal.dtype == bool and not equal.requires_grad
    assert list(equal.data) == [True, False, True]
    assert list((a != b).data) == [False, True, False]
    assert {a: 1}[a] == 1          # still usable as a key (identity)
    assert Scalar(1.0) < Scalar(2.0) and Scalar(3.0) > 2 and Scalar(2.0) >= 2.0
    assert not Scalar(1.0) > Scalar(2.0)


@pytest.mark.parametrize("alias", ["detach", "slice", "reshape"])
def test_an_in_place_change_through_an_alias_is_caught(alias: str) -> None:
    """y = Σx² saved x; changing x's memory through an alias before backward must raise, not
    give 2(x + 10) (PyTorch: views and detach share their base's version counter)."""
    x = Tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True, name="x")
    y = (x * x).sum()
    with no_grad():
        view = {"detach": lambda: x.detach(), "slice": lambda: x[:],
                "reshape": lambda: x.reshape(2, 2)}[alias]()
    view.add_(10.0)
    with pytest.raises(RuntimeError, match=r"Multiply\.backward: an array it saved \(input 'x'"):
        y.backward()


def test_an_in_place_change_of_a_view_of_a_leaf_that_requires_grad_raises() -> None:
    x = Tensor(np.ones(4), requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place change of a tensor that requires grad"):
        x[:2].add_(1.0)
    with no_grad():   # as an optimiser does: allowed, and x sees it
        x[:2].add_(1.0)
    assert list(x.data) == [2.0, 2.0, 1.0, 1.0]


def test_the_small_api_peers_users_expect() -> None:
    from autograd import set_grad_enabled

    x = Tensor(np.array([[1.0, -2.0, 3.0]]), requires_grad=True)
    with set_grad_enabled(False):
        assert (x * 2).grad_fn is None
    with set_grad_enabled(True):
        assert (x * 2).grad_fn is not None
    copy = x.clone()
    assert copy.data is not x.data and copy.grad_fn.name == "Clone"
    (copy * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [[3.0, 3.0, 3.0]])
    y = x * 2
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad
    assert float(Tensor(2.5)) == 2.5 and bool(Tensor(1.0)) and not bool(Tensor(0.0))
    with pytest.raises(ValueError, match=r"bool: the truth of a tensor of shape \(1, 3\)"):
        bool(x)
    assert x.argmax().item() == 2 and x.argmin(axis=1).data.tolist() == [1]
    assert x.squeeze().shape == (3,) and x.unsqueeze(0).shape == (1, 1, 3)
    assert x.flatten().shape == (3,) and x.flatten().grad_fn.name == "Reshape"
    assert abs(Scalar(-2.0)).data == 2.0 and Scalar(0.0).cos().data == 1.0
    s = Scalar(0.5)
    s.sin().backward()
    assert s.grad == pytest.approx(np.cos(0.5), rel=1e-15)


def test_grad_accumulates_in_place() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * 3).sum().backward()
    kept = x.grad
    (x * x).sum().backward()
    assert kept is x.grad
    np.testing.assert_array_equal(kept, [3.0 + 2.0, 3.0 + 4.0])


def test_constructors_with_pytorchs_names_and_default_dtype() -> None:
    import autograd

    z = autograd.zeros((2, 3), requires_grad=True)
    assert z.shape == (2, 3) and z.dtype == np.float32 and z.requires_grad
    assert autograd.ones(4).data.tolist() == [1.0] * 4
    assert autograd.full((2,), 7.0, dtype=np.float64).data.tolist() == [7.0, 7.0]
    assert autograd.zeros_like(z).shape == (2, 3) and autograd.ones_like(z).dtype == np.float32
    a, b = autograd.randn((3, 2), rng=0), autograd.randn((3, 2), rng=0)
    np.testing.assert_array_equal(a.data, b.data)
    assert autograd.arange(4).data.tolist() == [0, 1, 2, 3]
    assert autograd.arange(1, 2, 0.5, dtype=np.float32).data.tolist() == [1.0, 1.5]


def test_setitem_on_a_non_leaf_is_a_recorded_gate_and_earlier_readers_keep_their_value() -> None:
    """An RNN-style buffer filled step by step; each step reads the entry before. Checked against
    central differences of the same computation in numpy."""
    w = np.array([0.7, -1.3, 0.4])

    def in_numpy(v: np.ndarray) -> float:
        h = np.zeros(4)
        h[0] = v[0]
        first = h * 2          # read while only h[0] was set
        h[1] = np.tanh(h[0]) * v[1]
        h[2:] = h[1] * v[2]
        return float((h * h).sum() + first.sum())

    weights = Tensor(w.copy(), requires_grad=True, dtype=np.float64)
    h = Tensor(np.zeros(4), dtype=np.float64)
    h[0] = weights[0]
    first = h * 2
    h[1] = h[0].tanh() * weights[1]
    h[2:] = h[1] * weights[2]
    assert h.grad_fn is not None and h.grad_fn.name == "SetItem"
    ((h * h).sum() + first.sum()).backward()
    numerical = np.zeros(3)
    for i in range(3):
        plus, minus = w.copy(), w.copy()
        plus[i] += 1e-6
        minus[i] -= 1e-6
        numerical[i] = (in_numpy(plus) - in_numpy(minus)) / 2e-6
    np.testing.assert_allclose(weights.grad, numerical, rtol=1e-6)


def test_setitem_outside_a_graph_is_in_place_and_on_a_leaf_that_requires_grad_refused() -> None:
    plain = Tensor(np.zeros(3))
    view = plain.data
    plain[1] = 5.0
    assert view[1] == 5.0 and plain.grad_fn is None
    leaf = Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="setitem: in-place change of a leaf that requires grad"):
        leaf[0] = 1.0
    with no_grad():
        leaf[0] = 1.0
    assert leaf.data[0] == 1.0
    with pytest.raises(ValueError, match=r"setitem: .*shape \(3,\).*value of shape \(2,\)"):
        z = leaf * 1.0
        z[0] = Tensor(np.ones(2), requires_grad=True)


def test_error_paths_of_the_new_tensor_operations() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match="norm: p must be 1 or 2, got 3"):
        x.norm(p=3)
    with pytest.raises(ValueError, match="var: 1 entries leave no degrees of freedom with correction 1"):
        Tensor(np.ones(1)).var()
    with pytest.raises(ValueError, match="split: split_size must be ≥ 1, got 0"):
        x.split(0)
    with pytest.raises(ValueError,
                       match=r"split: sizes \(1, 1\) do not add up to the 3 entries along axis 1"):
        x.split([1, 1], axis=1)
    with pytest.raises(ValueError, match="split: axis 2 is out of range for shape"):
        x.split(1, axis=2)
    with pytest.raises(ValueError, match=r"prod: over one axis or all of them, not \(0, 1\)"):
        Tensor(np.ones((2, 2, 2))).prod(axis=(0, 1))
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast \(2, 3\) to \(4,\)"):
        shape.BroadcastTo.apply(x, (4,))


# --- issue 18: the last silent wrong answers ----------------------------------------------------
def test_augmented_assignment_with_a_differentiable_right_side_is_recorded() -> None:
    """acc += W·2 on a tensor that requires no grad: recorded, acc now requires grad (PyTorch).
    d/dW Σ (acc·w2) = 2·w2 = 2 everywhere."""
    weight = Tensor(np.full((2, 2), 3.0), requires_grad=True)
    w2 = Tensor(np.ones((2, 2)), requires_grad=True)
    acc = Tensor(np.zeros((2, 2)))
    alias = acc
    acc += weight * 2.0
    assert acc is alias and acc.requires_grad and acc.grad_fn is not None
    np.testing.assert_array_equal(acc.data, np.full((2, 2), 6.0))
    (acc * w2).sum().backward()
    np.testing.assert_array_equal(weight.grad, np.full((2, 2), 2.0))
    np.testing.assert_array_equal(w2.grad, np.full((2, 2), 6.0))


def test_the_accumulator_pattern_gives_the_gradient_of_the_sum() -> None:
    """h = 0; h += x·Wₖ for k = 1, 2; h -= x; h *= 3: ∂Σh/∂Wₖ = 3·Σ x (rows), ∂Σh/∂x by hand."""
    x = Tensor(np.array([[1.0, 2.0]]), requires_grad=True, dtype=np.float64)
    weights = [Tensor(np.eye(2) * k, requires_grad=True, dtype=np.float64) for k in (1.0, 2.0)]
    h = Tensor(np.zeros((1, 2)), dtype=np.float64)
    seen_before = h * 1.0            # read before the changes: keeps the zeros
    for weight in weights:
        h += x @ weight
    h -= x
    h *= 3.0
    np.testing.assert_array_equal(h.data, [[6.0, 12.0]])     # 3·(x + 2x − x)
    (h.sum() + seen_before.sum()).backward()
    for weight in weights:
        np.testing.assert_array_equal(weight.grad, [[3.0, 3.0], [6.0, 6.0]])   # 3·xᵢ per row
    np.testing.assert_array_equal(x.grad, [[6.0, 6.0]])   # 3·(1 + 2 − 1)
    acc32 = Tensor(np.zeros(2, dtype=np.float32))
    acc32 += Tensor(np.ones(2), requires_grad=True) * 2.0   # float64 in: kept float32 (PyTorch)
    assert acc32.dtype == np.float32 and acc32.requires_grad
    with pytest.raises(TypeError, match="\\+=: a value that requires grad cannot be written into "
                                        "a tensor of dtype int64"):
        counts = Tensor(np.zeros(2, dtype=np.int64))
        counts += Tensor(np.ones(2), requires_grad=True)


def test_an_in_place_change_through_a_view_made_before_requires_grad_raises() -> None:
    """v = a[:] taken while a required no grad, then a.requires_grad = True: v.add_ would change
    a leaf that requires grad, which PyTorch refuses."""
    for change in ("add_", "mul_", "copy_", "zero_", "+=", "setitem"):
        a = Tensor(np.arange(3.0))
        view = a[:]
        reshaped = a.reshape(3, 1)[:, :1].T   # a view of a view of a view
        a.requires_grad = True
        for v in (view, reshaped):
            with pytest.raises(RuntimeError, match="view of a leaf that requires grad"):
                if change == "+=":
                    v += 5.0
                elif change == "setitem":
                    v[0] = 5.0
                elif change in ("zero_",):
                    v.zero_()
                else:
                    getattr(v, change)(5.0)
        np.testing.assert_array_equal(a.data, [0.0, 1.0, 2.0])
    a = Tensor(np.arange(3.0))
    view, copy = a[1:], a[[0, 2]]
    a.requires_grad = True
    copy.add_(1.0)   # an integer-array index copies: not a view, so allowed (PyTorch)
    with no_grad():   # as an optimiser does: allowed, and a sees it
        view.add_(5.0)
    np.testing.assert_array_equal(a.data, [0.0, 6.0, 7.0])
    a.detach().add_(1.0)   # detach() shares memory without being a view in the graph (PyTorch)
    np.testing.assert_array_equal(a.data, [1.0, 7.0, 8.0])


def test_recorded_backwards_see_the_values_a_gate_read_before_setitem() -> None:
    """x = [0.5, −1], y = x·1, z = y·x, then y[0] = 3: ∂Σz/∂x = 2x = [1, −2], with or without
    create_graph; and the recorded gradient's own derivative is 2 per entry."""
    import autograd

    x = Tensor(np.array([0.5, -1.0]), requires_grad=True, dtype=np.float64)
    y = x * 1.0
    z = y * x
    y[0] = 3.0
    (plain,) = autograd.grad(z.sum(), x, retain_graph=True)
    (recorded,) = autograd.grad(z.sum(), x, create_graph=True)
    np.testing.assert_array_equal(plain.data, [1.0, -2.0])
    np.testing.assert_array_equal(recorded.data, [1.0, -2.0])
    (second,) = autograd.grad(recorded.sum(), x)
    np.testing.assert_array_equal(second.data, [2.0, 2.0])


def test_compositions_replay_the_values_the_fused_gate_read_before_setitem() -> None:
    """gelu reads y; y[0] = 5 afterwards: the recorded gradient must be gelu′(y as read)."""
    import autograd

    x = Tensor(np.array([0.3, -0.7]), requires_grad=True, dtype=np.float64)
    y = x * 1.0
    z = F.gelu(y)
    y[0] = 5.0
    (plain,) = autograd.grad(z.sum(), x, retain_graph=True)
    (recorded,) = autograd.grad(z.sum(), x, create_graph=True)
    np.testing.assert_allclose(recorded.data, plain.data, rtol=1e-12)


def test_vjp_with_create_graph_keeps_the_graph_to_the_inputs() -> None:
    """f(x) = x³: vᵀJ = 3x²·v, whose derivative in x is 6x·v (PyTorch)."""
    import autograd
    from autograd import functional

    x = Tensor(np.array([1.0, -2.0]), requires_grad=True, dtype=np.float64)
    v = np.array([1.0, 0.5])
    _, g = functional.vjp(lambda t: t ** 3, x, v, create_graph=True)
    np.testing.assert_array_equal(g.data, 3 * x.data ** 2 * v)
    (second,) = autograd.grad(g.sum(), x, allow_unused=True)
    assert second is not None
    np.testing.assert_array_equal(second.data, 6 * x.data * v)


def test_functional_with_create_graph_on_an_input_that_requires_no_grad() -> None:
    """The input is a leaf of the new graph, as in PyTorch: f(x) = Σ x³, ∇f = 3x², H = diag(6x)."""
    from autograd import functional

    x = Tensor(np.array([1.0, 2.0]), dtype=np.float64)   # requires no grad
    jac = functional.jacobian(lambda t: t ** 3, x, create_graph=True)
    np.testing.assert_array_equal(jac.data, np.diag(3 * x.data ** 2))
    hess = functional.hessian(lambda t: (t ** 3).sum(), x, create_graph=True)
    np.testing.assert_array_equal(hess.data, np.diag(6 * x.data))
    _, hv = functional.hvp(lambda t: (t ** 3).sum(), x, np.array([1.0, -1.0]), create_graph=True)
    np.testing.assert_array_equal(hv.data, [6.0, -12.0])
    assert not x.requires_grad   # the caller's tensor is left as it was


def test_eval_of_a_checkpoint_without_its_data_section_is_one_line(tmp_path, capsys) -> None:
    import json

    from models.checkpoint import current
    from models.cli import main

    corpus = tmp_path / "names.txt"
    corpus.write_text("anna\nbella\nchloe\ndaisy\nemily\nfiona\n" * 4, encoding="utf-8")
    out = tmp_path / "m"
    assert main(["train", "--model", "mlp", "--data", str(corpus), "--steps", "2", "--out",
                 str(out), "--quiet", "--n-embd", "4", "--n-hidden", "8"]) == 0
    config_path = current(out) / "config.json"
    config = json.loads(config_path.read_text())
    del config["data"]
    config_path.write_text(json.dumps(config))
    capsys.readouterr()
    assert main(["eval", "--checkpoint", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "config.json" in err and "data" in err and "Traceback" not in err


FAULTS = """
import resource, sys
import numpy as np
import autograd

def faults():   # page faults of five rounds of six 8 MiB arrays made and freed, as a step does
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        arrays = [np.ones(1 << 20) for _ in range(6)]
        del arrays
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

faults()
after_import = faults()
x = autograd.Tensor(np.ones(3), requires_grad=True)
(x * 2).sum().backward()
faults()
print(after_import, faults())
"""


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="glibc's malloc")
def test_the_first_backward_pass_keeps_freed_memory_for_reuse() -> None:
    """`import autograd` leaves malloc alone; the first backward pass tunes it (so a notebook
    trains at the command line's speed), unless BACKPROPLAB_KEEP_MALLOC=1."""
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if k != "BACKPROPLAB_KEEP_MALLOC"}
    out = subprocess.run([sys.executable, "-c", FAULTS], capture_output=True, text=True,
                         check=True, env=environment).stdout.split()
    after_import, after_backward = int(out[0]), int(out[1])
    assert after_import > 5000 and after_backward < after_import / 10


def test_the_first_backward_pass_tunes_once_and_keeps_the_opt_out(monkeypatch) -> None:
    from autograd.plumbing import allocator

    calls: list[int] = []
    monkeypatch.setattr(allocator, "first_time", True)
    monkeypatch.setattr(allocator, "tune", lambda: calls.append(1) or True)
    x = Tensor(np.ones(2), requires_grad=True)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    assert calls == [1] and allocator.first_time is False
    from models.base import ModelConfig
    from models.data import Corpus
    from models.train import DataSettings, Trainer, TrainSettings

    monkeypatch.setattr(allocator, "first_time", True)   # a Trainer tunes before it builds
    corpus = Corpus.from_text("anna\nbella\nchloe\ndaisy\n" * 3, "char", "lines")
    Trainer(ModelConfig(model="mlp", vocab_size=len(corpus.vocab), block_size=3, n_embd=4),
            TrainSettings(), DataSettings(), corpus)
    assert calls == [1, 1]
    monkeypatch.undo()
    monkeypatch.setenv("BACKPROPLAB_KEEP_MALLOC", "1")
    monkeypatch.setattr(allocator, "first_time", True)
    assert allocator.tune_once() is False and allocator.tune_once() is False
