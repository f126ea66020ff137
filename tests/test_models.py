"""The language models: exact gradients, learning, checkpoints, resume, BPTT, causality."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import gradcheck
from models.base import ModelConfig
from models.data import IGNORE, Corpus
from models.recurrent import RecurrentLanguageModel
from models.registry import MODELS, build
from models.train import DataSettings, Trainer, TrainSettings, evaluate, load_model

TEN_NAMES = "anna\nbella\nchloe\ndaisy\nemily\nfiona\ngrace\nhazel\niris\njulia\n"
NEURAL = sorted(name for name, kind in MODELS.items() if not kind.counting)   # not the n-grams
CONTEXT = {"bigram": 1}   # the models whose window is fixed


def block_for(name: str, block: int = 8) -> int:
    return CONTEXT.get(name, block)


def tiny(model: str, vocab: int = 5, block: int = 4, **extra) -> ModelConfig:
    sizes = {"n_embd": 4, "n_hidden": 5, "n_layer": 1, "n_head": 2}
    return ModelConfig(model=model, vocab_size=vocab, block_size=block, **{**sizes, **extra})


def batch(model, vocab: int = 5, block: int = 4, rows: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, vocab, (rows, block))
    y = rng.integers(0, vocab, (rows,) if model.window else (rows, block))
    return x, y


@pytest.mark.parametrize("name, extra", [
    ("mlp", {}), ("mlp", {"direct": True}), ("cnn", {}), ("rnn", {}),
    ("rnn", {"nonlinearity": "sigmoid"}), ("lstm", {}), ("gru", {}), ("transformer", {}),
    ("transformer", {"positions": "learned", "tied": True}),
])
def test_gradcheck_of_every_parameter(name: str, extra: dict) -> None:
    model = build(tiny(name, **extra)).astype(np.float64)
    x, y = batch(model)
    params = model.parameters()
    assert gradcheck(lambda *_: model.loss(x, y), params)


def test_masked_targets_get_no_gradient_and_do_not_count() -> None:
    model = build(tiny("transformer")).astype(np.float64)
    x, y = batch(model)
    y[:, 2:] = IGNORE
    assert gradcheck(lambda *_: model.loss(x, y), model.parameters())


def test_evaluation_records_no_graph_and_restores_the_mode() -> None:
    model = build(tiny("transformer"))
    x, y = batch(model)
    losses = []
    real_loss = model.loss
    model.loss = lambda xb, yb: losses.append(real_loss(xb, yb)) or losses[-1]
    value = evaluate(model, x, y)
    assert losses and all(loss.grad_fn is None for loss in losses)
    assert value == pytest.approx(float(real_loss(x, y).data), rel=1e-6)
    assert model.training and real_loss(x, y).grad_fn is not None


@pytest.mark.parametrize("name", NEURAL)
def test_loss_falls_on_a_tiny_corpus(name: str) -> None:
    data = DataSettings(shape="lines")
    corpus = Corpus.from_text(TEN_NAMES * 3, "char", "lines", fractions=(0.8, 0.2, 0.0))
    config = tiny(name, vocab=len(corpus.vocab), block=block_for(name), n_embd=16, n_hidden=32,
                  n_head=2)
    trainer = Trainer(config, TrainSettings(steps=150, lr=1e-2, eval_every=1000), data, corpus)
    trainer.run(150)
    assert np.mean(trainer.history[-10:]) < 0.7 * np.mean(trainer.history[:10])


def _determined_targets(x: np.ndarray, y: np.ndarray, boundary: int, window: bool):
    """Ignore each name's first letter, which no context can predict (1 of 10 names)."""
    y = y.copy()
    if window:
        y[np.all(x == boundary, axis=1)] = IGNORE
    else:
        y[:, 0] = IGNORE
    return y


@pytest.mark.parametrize("name", [name for name in NEURAL if name not in CONTEXT])
def test_each_model_overfits_ten_names(name: str) -> None:
    corpus = Corpus.from_text(TEN_NAMES, "char", "lines", fractions=(1.0, 0.0, 0.0))
    config = tiny(name, vocab=len(corpus.vocab), block=8, n_embd=16, n_hidden=64, n_head=2,
                  n_layer=2)
    model = build(config)
    from autograd import optim

    x, y = corpus.examples("train", config.block_size, model.window)
    y = _determined_targets(x, y, corpus.vocab.boundary, model.window)
    opt = optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.0)
    for _ in range(400):
        opt.zero_grad()
        loss = model.loss(x, y)
        loss.backward()
        opt.step()
    model.eval()
    assert float(model.loss(x, y).data) < 0.05


@pytest.mark.parametrize("name", sorted(MODELS))
def test_checkpoint_round_trip_gives_identical_logits(name: str, tmp_path) -> None:
    corpus = Corpus.from_text(TEN_NAMES * 3, "char", "lines")
    config = tiny(name, vocab=len(corpus.vocab), block=block_for(name), n_embd=8, n_hidden=8)
    trainer = Trainer(config, TrainSettings(steps=5, eval_every=100), DataSettings(), corpus)
    trainer.run(5)
    trainer.save(tmp_path / "ck")
    loaded, vocab, _ = load_model(tmp_path / "ck")
    trainer.model.eval()
    x, _ = batch(trainer.model, vocab=len(vocab), block=block_for(name))
    np.testing.assert_array_equal(loaded(x).data, trainer.model(x).data)
    assert vocab.tokens == corpus.vocab.tokens


@pytest.mark.parametrize("name, how", [
    ("transformer", {"optimizer": "adamw", "lr": 3e-3}),
    ("mlp", {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9}),
    ("cnn", {"optimizer": "sgd", "lr": 0.1}),
    ("rnn", {"optimizer": "adamw", "lr": 3e-3, "bptt": 3, "grad_clip": 0.5}),
])
def test_resume_continues_the_same_loss_curve(name: str, how: dict, tmp_path) -> None:
    text = TEN_NAMES * 3
    (tmp_path / "names.txt").write_text(text)
    data = DataSettings(path=str(tmp_path / "names.txt"))
    config = tiny(name, vocab=len(data.load().vocab), block=8, n_embd=8, n_hidden=8, dropout=0.2)
    settings = TrainSettings(steps=12, eval_every=5, seed=3, **how)

    straight = Trainer(config, settings, data)
    straight.run(12)

    first = Trainer(config, settings, data)
    first.run(7)
    first.save(tmp_path / "ck")
    resumed = Trainer.load(tmp_path / "ck")
    resumed.run(12)
    assert resumed.history == straight.history
    assert resumed.validation == straight.validation


@pytest.mark.parametrize("name, recurrent", [("rnn", "recurrent.weight"),
                                             ("lstm", "cell.weight_h"), ("gru", "cell.weight_h")])
def test_truncated_bptt_equals_full_bptt_when_the_chunk_covers_the_sequence(
        name: str, recurrent: str) -> None:
    model = build(tiny(name, vocab=6, block=7)).astype(np.float64)
    x, y = batch(model, vocab=6, block=7, rows=4)

    def grads() -> list[np.ndarray]:
        out = [p.grad.copy() for p in model.parameters()]
        model.zero_grad()
        return out

    full = model.loss(x, y)
    full.backward()
    full_grads = grads()
    for chunk in (7, 10):
        loss = model.truncated_bptt_loss(x, y, chunk)
        assert loss == pytest.approx(float(full.data), rel=1e-12)
        for a, b in zip(grads(), full_grads):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    # a shorter chunk gives the same loss but cuts the gradient paths across chunk boundaries
    loss = model.truncated_bptt_loss(x, y, 3)
    assert loss == pytest.approx(float(full.data), rel=1e-12)
    position = [n for n, _ in model.named_parameters()].index(recurrent)
    assert not np.allclose(grads()[position], full_grads[position])


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru", "transformer"])
@given(data=st.data())
def test_changing_a_later_token_never_changes_earlier_logits(name: str, data) -> None:
    model = build(tiny(name, vocab=7, block=6, n_embd=8, n_head=2, n_layer=2))
    steps = data.draw(st.integers(2, 6))
    idx = np.array([data.draw(st.lists(st.integers(0, 6), min_size=steps, max_size=steps))])
    position = data.draw(st.integers(1, steps - 1))
    changed = idx.copy()
    changed[0, position:] = (changed[0, position:] + data.draw(st.integers(1, 6))) % 7
    before, after = model(idx).data, model(changed).data
    np.testing.assert_array_equal(before[0, :position], after[0, :position])
    assert not np.allclose(before[0, position:], after[0, position:])


def test_generate_respects_prompt_stop_top_k_and_seed() -> None:
    model = build(tiny("transformer", vocab=6, block=5))
    a = model.generate([0, 1], 8, temperature=1.0, top_k=2, seed=4)
    assert a == model.generate([0, 1], 8, temperature=1.0, top_k=2, seed=4)
    greedy = model.generate([0], 8, temperature=0)
    assert len(greedy) == 8 and all(0 <= t < 6 for t in greedy)
    stopped = model.generate([0], 50, stop=greedy[0], temperature=0)
    assert stopped == [greedy[0]]
    with pytest.raises(ValueError, match="prompt"):
        model.generate([], 3)


def test_bad_configurations_are_named() -> None:
    with pytest.raises(ValueError, match="cnn: block_size must be a power of 2"):
        build(tiny("cnn", block=6))
    with pytest.raises(ValueError, match="n_embd 5 must be divisible by n_head 2"):
        build(tiny("transformer", n_embd=5))
    with pytest.raises(ValueError, match="nonlinearity must be tanh or sigmoid"):
        build(tiny("rnn", nonlinearity="relu"))
    with pytest.raises(ValueError, match="longer than block_size"):
        build(tiny("transformer"))(np.zeros((1, 9), dtype=np.int64))
    with pytest.raises(ValueError, match="unknown model 'bow'"):
        build(tiny("bow"))


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_the_state_is_carried_between_chunks(name: str) -> None:
    model = build(tiny(name, vocab=6, block=6))
    assert isinstance(model, RecurrentLanguageModel)
    x, _ = batch(model, vocab=6, block=6)
    whole = model(x).data
    first, state, _ = model.forward_with_state(x[:, :3])
    second, _, _ = model.forward_with_state(x[:, 3:], tuple(s.detach() for s in state))
    np.testing.assert_allclose(np.concatenate([first.data, second.data], axis=1), whole, rtol=1e-6)
