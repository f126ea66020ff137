"""The count-based n-gram models: each smoothing against numbers worked out by hand, every
context's distribution summing to one (seen or not), makemore's counting-bigram figure, the
neural bigram reaching the counts' loss, training, checkpoints and what they refuse."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.base import ModelConfig
from models.data import Corpus, DataError
from models.ngram import SMOOTHINGS, NGramLanguageModel
from models.registry import build
from models.train import DataSettings, Trainer, TrainSettings, evaluate, load_model

# three lines "ab", "ab", "b": <b> = 0, a = 1, b = 2; the bigram pairs (previous → next) are
# 0→1, 1→2, 2→0 twice and 0→2, 2→0 once: c(0 1) = 2, c(0 2) = 1, c(1 2) = 2, c(2 0) = 3
LINES = "ab\nab\nb\n"
NAMES = Path(__file__).resolve().parents[2] / "shared" / "data" / "names.txt"


def fitted(smoothing: str, order: int = 2, text: str = LINES, k: float = 1.0) -> NGramLanguageModel:
    corpus = Corpus.from_text(text, fractions=(1.0, 0.0, 0.0))
    model = NGramLanguageModel(ModelConfig("ngram", len(corpus.vocab), order - 1, 1,
                                           smoothing=smoothing, add_k=k))
    model.fit(*corpus.examples("train", order - 1, window=True))
    return model


def p(model: NGramLanguageModel, context: list[int], token: int) -> float:
    return float(model.probabilities(np.array([context]), np.array([token]))[0])


def test_maximum_likelihood_and_add_k_by_hand() -> None:
    mle = fitted("mle")
    assert p(mle, [0], 1) == pytest.approx(2 / 3) and p(mle, [0], 2) == pytest.approx(1 / 3)
    assert p(mle, [0], 0) == 0.0 and p(mle, [2], 0) == 1.0
    laplace = fitted("add-k")   # (c + 1) / (c(h) + 3)
    assert p(laplace, [0], 1) == pytest.approx(3 / 6) and p(laplace, [0], 0) == pytest.approx(1 / 6)
    half = fitted("add-k", k=0.5)
    assert p(half, [1], 2) == pytest.approx(2.5 / 3.5)


def test_interpolation_by_hand() -> None:
    model = fitted("interpolation")
    model.lambdas = np.array([0.1, 0.3, 0.6])   # 1/V, the unigram c(w)/8, the bigram
    assert p(model, [0], 1) == pytest.approx(0.1 / 3 + 0.3 * 2 / 8 + 0.6 * 2 / 3)
    assert p(model, [0], 0) == pytest.approx(0.1 / 3 + 0.3 * 3 / 8)


def test_kneser_ney_by_hand() -> None:
    """Bigram counts 2, 1, 2, 3: n₁ = 1, n₂ = 2, D = 1/5. Continuations N₁₊(• w): <b> after b
    only (1), a after <b> (1), b after <b> and a (2): total 4, n₁ = 2, n₂ = 1, D = 1/2, so
    p(<b>) = p(a) = (1 − ½)/4 + ½·3/4·⅓ = ¼ and p(b) = 1.5/4 + ⅛ = ½."""
    model = fitted("kneser-ney")
    np.testing.assert_allclose(model.discounts, [0.5, 0.2])
    unigram = {0: 0.25, 1: 0.25, 2: 0.5}
    for token, count in ((1, 2), (2, 1), (0, 0)):   # after <b>: c(<b>) = 3, two kinds follow it
        expected = max(count - 0.2, 0) / 3 + 0.2 * 2 / 3 * unigram[token]
        assert p(model, [0], token) == pytest.approx(expected)


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
@given(data=st.data())
def test_every_contexts_distribution_sums_to_one(smoothing: str, data) -> None:
    order = data.draw(st.integers(1, 4))
    words = data.draw(st.lists(st.text("abc", min_size=1, max_size=5), min_size=2, max_size=8))
    model = fitted(smoothing, order, "\n".join(words) + "\nd", k=data.draw(st.floats(0.1, 2)))
    if smoothing == "interpolation":
        model.fit_weights(np.zeros((1, order - 1), dtype=np.int64), np.array([1]))
    vocab = model.vocab
    context = data.draw(st.lists(st.integers(0, vocab - 1), min_size=order - 1, max_size=order - 1))
    total = model.probabilities(np.tile(np.array(context, dtype=np.int64), (vocab, 1)),
                                np.arange(vocab)).sum()
    assert total == pytest.approx(1.0, abs=1e-12)
    assert np.exp(model.next_logits([0, *context])).sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.skipif(not NAMES.exists(), reason="the shared corpus names.txt is not beside the clone")
def test_the_counting_bigram_gives_makemores_figure_on_names() -> None:
    """makemore's first lecture: add-1 bigram counts over all of names.txt, mean NLL 2.4546."""
    corpus = Corpus.from_text(NAMES.read_text(), fractions=(1.0, 0.0, 0.0))
    model = build(ModelConfig("ngram", len(corpus.vocab), 1, 1, smoothing="add-k", add_k=1.0))
    x, y = corpus.examples("train", 1, window=True)
    assert isinstance(model, NGramLanguageModel) and len(corpus.vocab) == 27
    model.fit(x, y)
    assert evaluate(model, x, y) == pytest.approx(2.4546, abs=5e-5)


def test_the_neural_bigram_learns_what_the_counting_bigram_counts() -> None:
    corpus = Corpus.from_text("abba\nbab\naab\nbb\n", fractions=(1.0, 0.0, 0.0))
    x, y = corpus.examples("train", 1, window=True)
    counts = fitted("mle", text="abba\nbab\naab\nbb\n")
    neural = build(ModelConfig("bigram", len(corpus.vocab), 1, 1))
    for _ in range(400):   # full-batch gradient descent, as the lecture
        neural.zero_grad()
        loss = neural.loss(x, y)
        loss.backward()
        for weight in neural.parameters():
            weight.data -= 5.0 * weight.grad
    assert float(loss.data) == pytest.approx(evaluate(counts, x, y), abs=2e-3)


def test_training_is_counting_and_the_checkpoint_round_trips(tmp_path: Path) -> None:
    data = DataSettings(fractions=(0.8, 0.1, 0.1))
    config = ModelConfig("ngram", 0, 2, 1, smoothing="interpolation")
    corpus = data.load()
    config.vocab_size = len(corpus.vocab)
    trainer = Trainer(config, TrainSettings(steps=1000), data, corpus)
    trainer.run(1000)
    assert trainer.step == 1000 and len(trainer.history) == 1 and len(trainer.validation) == 1
    trainer.save(tmp_path / "run")
    model, vocab, _ = load_model(tmp_path / "run")
    x, y = corpus.examples("test", 2, window=True)
    assert evaluate(model, x, y) == pytest.approx(evaluate(trainer.model, x, y), rel=1e-12)
    assert len(model.generate([vocab.boundary or 0], 20, seed=1)) <= 20
    state = trainer.model.state_dict()
    for name, bad in (("1.pair_keys", state["1.pair_keys"][::-1].copy()),
                      ("1.pair_counts", -state["1.pair_counts"]),
                      ("lambdas", np.full(4, np.nan))):
        with pytest.raises(ValueError, match=f"ngram {name}"):
            model.load_state_dict({**state, name: bad})
    with pytest.raises(KeyError, match="missing"):
        model.load_state_dict({k: v for k, v in state.items() if k != "0.pair_keys"})


def test_a_split_without_validation_serves_fixed_smoothing_and_refuses_interpolation() -> None:
    data = DataSettings(fractions=(1.0, 0.0, 0.0))
    corpus = data.load()
    for smoothing, works in (("add-k", True), ("kneser-ney", True), ("interpolation", False)):
        config = ModelConfig("ngram", len(corpus.vocab), 1, 1, smoothing=smoothing)
        trainer = Trainer(config, TrainSettings(steps=10), data, corpus)
        if works:
            trainer.run(10)
            assert trainer.validation == [] and trainer.step == 10
        else:
            with pytest.raises(DataError, match="interpolation fits its weights on the validation"):
                trainer.run(10)


def test_eval_measures_the_training_split_of_a_count_model_trained_on_all_the_text(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The lecture's two commands: count on all the text (no validation part), eval --split train."""
    from models.cli import main

    data, out = tmp_path / "two.txt", tmp_path / "counts"
    data.write_text("ab\nb\n")   # pairs: (<b> a) (a b) (b <b>) (<b> b) (b <b>), V = 3
    assert main(["train", "--model", "ngram", "--order", "2", "--add-k", "1", "--data", str(data),
                 "--split", "1,0,0", "--out", str(out)]) == 0   # --add-k alone: add-k smoothing
    capsys.readouterr()
    assert main(["eval", "--checkpoint", str(out), "--split", "train"]) == 0
    # add-1 by hand: (c(h w) + 1) / (c(h) + 3)
    expected = -np.mean(np.log([2 / 5, 2 / 4, 3 / 5, 2 / 5, 3 / 5]))
    assert capsys.readouterr().out.startswith(f"train: loss {expected:.4f} nats/token")


def test_order_is_the_ngrams_word_for_its_context(tmp_path: Path, capsys) -> None:
    from models.cli import main

    assert main(["train", "--model", "mlp", "--order", "3", "--out", str(tmp_path / "m")]) == 2
    assert "--order is the n-gram's" in capsys.readouterr().err
    assert main(["train", "--model", "ngram", "--order", "3", "--block-size", "1",
                 "--out", str(tmp_path / "n")]) == 2
    assert "--order 3 means --block-size 2" in capsys.readouterr().err
    assert main(["train", "--model", "ngram", "--order", "0", "--out", str(tmp_path / "o")]) == 2
    assert not any((tmp_path / name).exists() for name in ("m", "n", "o"))
