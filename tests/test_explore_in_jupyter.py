"""`explore()` as a notebook uses it: before or after `backward()` (both orders work, the graph
and every `.grad` are left as they were found, and the gradients equal those of one plain
backward pass), and inline in a cell without overflowing it."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

from autograd import Scalar, Tensor, no_grad
from autograd.tools.explorer import explore
from models.base import ModelConfig
from models.registry import build, tiny_loss


def mlp_step() -> tuple[list[Tensor], Tensor]:
    """One training step's loss of a small MLP language model (the same one every call)."""
    model = build(ModelConfig(model="mlp", vocab_size=11, block_size=3, n_embd=4, n_hidden=8,
                              dropout=0.2))
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 11, (6, 3)), rng.integers(0, 11, 6)
    for i, p in enumerate(model.parameters()):
        p.data = np.random.default_rng(i).normal(0, 0.5, p.data.shape)
    return list(model.parameters()), model.loss(x, y)


def plain_gradients() -> list[np.ndarray]:
    params, loss = mlp_step()
    loss.backward()
    return [p.grad.copy() for p in params]


def test_explore_then_backward_gives_one_backwards_gradients() -> None:
    params, loss = mlp_step()
    page = explore(loss, title="before")
    assert "before" in page.page
    assert all(p.grad is None for p in params)   # the explorer's pass added nothing
    loss.backward()                              # the graph is still there
    for got, want in zip([p.grad for p in params], plain_gradients()):
        np.testing.assert_array_equal(got, want)


def test_backward_then_explore_works_and_changes_nothing() -> None:
    params, loss = mlp_step()
    loss.backward()
    grads = [p.grad for p in params]
    page = explore(loss, title="after")   # the freed graph is rebuilt for the explorer
    assert "after" in page.page
    for param, grad, want in zip(params, grads, plain_gradients()):
        assert param.grad is grad   # the same arrays, with the same numbers
        np.testing.assert_array_equal(grad, want)
    with pytest.raises(RuntimeError, match="already freed"):
        loss.backward()   # freed, as explore() found it


def test_the_explorer_shows_the_same_gradient_before_and_after() -> None:
    a, b = Scalar(2.0, name="a"), Scalar(-3.0, name="b")
    c = (a * b + a).tanh()
    before = explore(c).page
    c.backward()
    after = explore(c).page
    assert before == after
    assert a.grad == pytest.approx((1 - np.tanh(-4.0) ** 2) * (b.data + 1), rel=1e-12)


@pytest.mark.parametrize("model", ["rnn", "transformer"])
def test_a_models_page_is_the_same_before_and_after_backward(model: str) -> None:
    """Every gate of a training step rebuilt after backward (attention, layer norm, the
    unrolled recurrence with its shared weights) gives the very same page."""
    _, loss = tiny_loss(model)
    before = explore(loss).page
    loss.backward()
    after = explore(loss).page
    # the numbers of every step and value, and each view's nodes and edges, are the same; the
    # layout itself is compared not: Graphviz lays out a large clustered graph (the open-all
    # view) a little differently from one run to the next, from the very same input
    assert page_numbers(after) == page_numbers(before)
    assert drawn_elements(after) == drawn_elements(before)


def page_numbers(page: str) -> str:
    return re.search(r'<script id="trace" type="application/json">(.*?)</script>', page, re.S)[1]


def drawn_elements(page: str) -> dict[str, list[str]]:
    """Per view, the sorted titles of its nodes and edges (what is drawn, wherever it is)."""
    return {view: sorted(re.findall(r'<g id="(?:node|edge)\d+" class="(?:node|edge)[^"]*">\s*'
                                    r"<title>(.*?)</title>", svg))
            for view, svg in re.findall(r'<template id="(view-[^"]*)">(.*?)</template>', page, re.S)}


def test_a_value_changed_in_place_since_is_refused_in_one_line() -> None:
    w = Tensor(np.ones((3, 2)), requires_grad=True, name="w")
    loss = (Tensor(np.arange(6.0).reshape(2, 3)) @ w).tanh().sum()
    loss.backward()
    with no_grad():
        w.add_(np.ones((3, 2)))
    with pytest.raises(RuntimeError) as error:
        explore(loss)
    message = str(error.value)
    assert "\n" not in message and message.startswith("explore: the input 'w' of MatMul")
    assert "run the forward pass again, or call explore() before backward()" in message


def test_the_inline_explorer_fits_its_cell(browser, tmp_path: Path) -> None:
    """The iframe's border lies inside the cell's width: no 2 px horizontal scrollbar."""
    a = Scalar(2.0, name="a")
    cell = tmp_path / "cell.html"
    cell.write_text('<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body>'
                    '<div id="cell" style="width: 900px; overflow: auto">'
                    f"{explore((a * a).tanh())._repr_html_()}</div></body></html>", encoding="utf-8")
    browser.get(cell.as_uri())
    time.sleep(0.3)
    widths = browser.execute_script("const c = document.getElementById('cell');"
                                    "return [c.scrollWidth, c.clientWidth, c.scrollHeight, c.clientHeight];")
    assert widths == [900, 900, 640, 640]
