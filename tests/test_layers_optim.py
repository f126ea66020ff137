"""Modules, layers and optimisers: registration, saving, modes, and the update rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import (
    BatchNorm1d,
    Conv1d,
    Dropout,
    Embedding,
    LayerNorm,
    Linear,
    Module,
    ModuleList,
    Parameter,
    Sequential,
    Tensor,
    gradcheck,
    optim,
)


class Net(Module):
    def __init__(self) -> None:
        super().__init__()
        rng = np.random.default_rng(0)
        self.body = Sequential(Linear(3, 4, rng=rng), LayerNorm(4))
        self.heads = ModuleList([Linear(4, 2, rng=rng), Linear(4, 2, bias=False, rng=rng)])
        self.drop = Dropout(0.5)

    def forward(self, x: Tensor) -> Tensor:
        h = self.drop(self.body(x).tanh())
        return self.heads[0](h) + self.heads[1](h)


def test_parameters_are_registered_by_dotted_path_and_counted() -> None:
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["body.0.weight", "body.0.bias", "body.1.weight", "body.1.bias",
                     "heads.0.weight", "heads.0.bias", "heads.1.weight"]
    assert net.num_parameters() == 12 + 4 + 4 + 4 + 8 + 2 + 8
    text = repr(net)
    assert text.startswith("Net()  # 42 parameters") and "(heads): ModuleList()" in text
    assert "Linear(3 → 4, bias=True)  # 16 parameters" in text


def test_module_calls_tag_nodes_with_their_path() -> None:
    net = Net()
    out = net(Tensor(np.ones((2, 3)), requires_grad=True))
    scopes = set()
    stack = [out]
    while stack:
        ctx = stack.pop().grad_fn
        if ctx is not None:
            scopes.add(ctx.scope)
            stack.extend(ctx.inputs)
    assert {"body.0", "body.1", "heads.0", "heads.1"} <= scopes


def test_train_eval_and_dropout() -> None:
    net = Net()
    x = Tensor(np.ones((50, 3)))
    net.eval()
    assert not net.drop.training
    np.testing.assert_array_equal(net(x).data, net(x).data)
    net.train()
    assert net.drop.training and not np.array_equal(net(x).data, net(x).data)


def test_state_dict_round_trip_and_shape_errors_name_the_parameter() -> None:
    a, b = Net(), Net()
    for p in b.parameters():
        p.data = p.data + 1
    b.load_state_dict(a.state_dict())
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    state = a.state_dict()
    state["heads.0.weight"] = np.zeros((5, 2))
    with pytest.raises(ValueError, match=r"heads\.0\.weight has shape \(4, 2\) in the model but "
                       r"\(5, 2\)"):
        b.load_state_dict(state)
    del state["heads.0.weight"]
    with pytest.raises(KeyError, match=r"missing .*heads\.0\.weight"):
        b.load_state_dict(state)


def test_zero_grad_and_forgetting_super_init() -> None:
    net = Net()
    net(Tensor(np.ones((2, 3)))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())

    class Broken(Module):
        def __init__(self) -> None:
            self.w = Parameter(np.ones(2))

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_batchnorm_uses_batch_statistics_in_training_and_running_ones_in_eval() -> None:
    bn = BatchNorm1d(3).astype(np.float64)
    x = np.random.default_rng(0).normal(2.0, 3.0, (64, 3, 5))
    y = bn(Tensor(x)).data
    np.testing.assert_allclose(y.mean(axis=(0, 2)), 0, atol=1e-10)
    np.testing.assert_allclose(y.var(axis=(0, 2)), 1, rtol=1e-3)
    np.testing.assert_allclose(bn.running_mean.data, 0.1 * x.mean(axis=(0, 2)), rtol=1e-10)
    np.testing.assert_allclose(bn.running_var.data, 0.9 + 0.1 * x.var(axis=(0, 2), ddof=1),
                               rtol=1e-10)
    bn.eval()
    expected = (x - bn.running_mean.data[:, None]) / np.sqrt(bn.running_var.data[:, None] + 1e-5)
    np.testing.assert_allclose(bn(Tensor(x)).data, expected, rtol=1e-10)
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var"]
    assert gradcheck(lambda t: bn(t), [Tensor(x[:4, :, :2], requires_grad=True)])
    bn.train()
    assert gradcheck(lambda t: bn(t), [Tensor(x[:4, :, :2], requires_grad=True)])


def test_layers_shapes() -> None:
    rng = np.random.default_rng(0)
    assert Linear(3, 5, rng=rng)(Tensor(np.ones((2, 7, 3)))).shape == (2, 7, 5)
    assert Embedding(10, 4, rng=rng)(np.array([[1, 2, 3]])).shape == (1, 3, 4)
    assert Conv1d(3, 6, 2, stride=2, rng=rng)(Tensor(np.ones((2, 3, 8)))).shape == (2, 6, 4)
    with pytest.raises(ValueError, match="Dropout: p must be in"):
        Dropout(1.5)


# --- optimisers --------------------------------------------------------------------------------
def quadratic_param(value: float = 1.0) -> Parameter:
    return Parameter(np.array([value], dtype=np.float64))


def descend(opt: optim.Optimizer, p: Parameter, steps: int) -> list[float]:
    seen = []
    for _ in range(steps):
        opt.zero_grad()
        (p * p).sum().backward()     # E = w², ∂E/∂w = 2w
        opt.step()
        seen.append(float(p.data[0]))
    return seen


def test_sgd_momentum_follows_the_lecture_rule() -> None:
    p = quadratic_param()
    got = descend(optim.SGD([p], lr=0.1, momentum=0.5), p, 3)
    w, delta, expected = 1.0, 0.0, []
    for _ in range(3):
        delta = -0.1 * 2 * w + 0.5 * delta     # Δw(n) = −η·∂E/∂w + β·Δw(n−1)
        w += delta
        expected.append(w)
    assert got == pytest.approx(expected, rel=1e-12)


def test_sgd_weight_decay_adds_l2() -> None:
    p = quadratic_param()
    assert descend(optim.SGD([p], lr=0.1, weight_decay=1.0), p, 1) == pytest.approx([1 - 0.1 * 3])


def test_adam_and_adamw_match_their_formulas() -> None:
    for cls, decay in ((optim.Adam, 0.0), (optim.AdamW, 0.1)):
        p = quadratic_param()
        got = descend(cls([p], lr=0.01, betas=(0.9, 0.99), weight_decay=decay), p, 3)
        w, m, v, expected = 1.0, 0.0, 0.0, []
        for t in range(1, 4):
            g = 2 * w
            w *= 1 - 0.01 * decay
            m = 0.9 * m + 0.1 * g
            v = 0.99 * v + 0.01 * g * g
            w -= 0.01 * (m / (1 - 0.9 ** t)) / (math.sqrt(v / (1 - 0.99 ** t)) + 1e-8)
            expected.append(w)
        assert got == pytest.approx(expected, rel=1e-10)


def test_optimizer_state_round_trip() -> None:
    p = quadratic_param()
    opt = optim.AdamW([p], lr=0.01)
    descend(opt, p, 2)
    q = quadratic_param(float(p.data[0]))
    other = optim.AdamW([q], lr=0.5)
    other.load_state_dict(opt.state_dict())
    assert descend(other, q, 2) == descend(opt, p, 2)


def test_an_update_refuses_a_stale_graph() -> None:
    p = quadratic_param()
    loss = (p * p).sum()
    loss.backward(retain_graph=True)
    optim.SGD([p], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_gradient_clipping() -> None:
    a, b = quadratic_param(), quadratic_param()
    a.grad, b.grad = np.array([3.0]), np.array([4.0])
    assert optim.clip_grad_norm_([a, b], 1.0) == pytest.approx(5.0)
    assert math.hypot(a.grad[0], b.grad[0]) == pytest.approx(1.0, rel=1e-5)
    a.grad = np.array([-3.0])
    optim.clip_grad_value_([a], 0.5)
    assert a.grad[0] == -0.5


def test_schedules() -> None:
    drops = optim.StepDrops(0.1, {100: 0.01})
    assert (drops(0), drops(99), drops(100), drops(10**6)) == (0.1, 0.1, 0.01, 0.01)
    cosine = optim.WarmupCosine(1e-3, warmup=10, total=110, min_lr=1e-4)
    assert cosine(0) == pytest.approx(1e-4) and cosine(9) == pytest.approx(1e-3)
    assert cosine(60) == pytest.approx(1e-4 + 0.5 * 9e-4)
    assert cosine(110) == pytest.approx(1e-4) and cosine(500) == pytest.approx(1e-4)


def test_an_optimizer_state_that_does_not_fit_is_refused_by_name() -> None:
    p = quadratic_param()
    opt = optim.AdamW([p], lr=0.01)
    descend(opt, p, 1)
    good = opt.state_dict()
    fresh = optim.AdamW([quadratic_param()], lr=0.01)
    with pytest.raises(ValueError, match=r"AdamW.load_state_dict: missing nothing, unexpected \['x'\]"):
        fresh.load_state_dict({**good, "x": np.zeros(1)})
    with pytest.raises(ValueError, match=r"missing \['m.0'\]"):
        fresh.load_state_dict({k: v for k, v in good.items() if k != "m.0"})
    with pytest.raises(ValueError, match=r"lr must be a finite number ≥ 0, not nan"):
        fresh.load_state_dict({**good, "lr": float("nan")})
    with pytest.raises(ValueError, match=r"steps must be an integer ≥ 0"):
        fresh.load_state_dict({**good, "steps": 1.5})
    with pytest.raises(ValueError, match=r"m.0 has shape \(7,\), parameter"):
        fresh.load_state_dict({**good, "m.0": np.zeros(7)})
    with pytest.raises(ValueError, match=r"v.0 must hold finite floating-point numbers"):
        fresh.load_state_dict({**good, "v.0": np.full_like(good["v.0"], np.inf)})
    # the refusals loaded nothing, not even lr or steps
    assert fresh.steps == 0 and all(not m.any() for m in fresh.m)
    fresh.load_state_dict(good)
    assert fresh.steps == opt.steps == 1
