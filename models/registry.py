"""The language models by name."""

from __future__ import annotations

from models.base import LanguageModel, ModelConfig
from models.bigram import BigramLanguageModel
from models.cnn import CNNLanguageModel
from models.gru import GRULanguageModel
from models.lstm import LSTMLanguageModel
from models.mlp import MLPLanguageModel
from models.ngram import NGramLanguageModel
from models.rnn import RNNLanguageModel
from models.settings import MODEL_NAMES
from models.transformer import TransformerLanguageModel

# in the lectures' order, as models/settings.py names them (the names are spelled there only)
MODELS: dict[str, type[LanguageModel]] = dict(zip(MODEL_NAMES, (
    NGramLanguageModel, BigramLanguageModel, MLPLanguageModel, CNNLanguageModel,
    RNNLanguageModel, LSTMLanguageModel, GRULanguageModel, TransformerLanguageModel),
    strict=True))

# Sizes for the quick runs of the demo and the defaults of `backproplab train`:
# makemore's lecture settings for the MLP and the CNN, makemore's defaults for the others.
DEFAULTS: dict[str, dict] = {
    "ngram": {"block_size": 2, "n_embd": 1, "smoothing": "kneser-ney"},   # order 3
    "bigram": {"block_size": 1, "n_embd": 1},
    "mlp": {"block_size": 3, "n_embd": 10, "n_hidden": 200},
    "cnn": {"block_size": 8, "n_embd": 24, "n_hidden": 128},
    "rnn": {"block_size": 16, "n_embd": 64, "n_hidden": 64},
    "lstm": {"block_size": 16, "n_embd": 64, "n_hidden": 64},
    "gru": {"block_size": 16, "n_embd": 64, "n_hidden": 64},
    "transformer": {"block_size": 16, "n_embd": 64, "n_layer": 4, "n_head": 4},
}

# Per-model training defaults of `backproplab train` and `compare`: makemore's SGD for the
# window models, AdamW for the others.
TRAINING: dict[str, dict] = {
    "ngram": {"optimizer": "sgd", "lr": 0.1, "weight_decay": 0.0},   # counted: none of these is used
    "bigram": {"optimizer": "sgd", "lr": 10.0, "weight_decay": 0.0, "schedule": "cosine"},
    "mlp": {"optimizer": "sgd", "lr": 0.1, "weight_decay": 0.0},
    "cnn": {"optimizer": "sgd", "lr": 0.1, "weight_decay": 0.0},
    "rnn": {"optimizer": "adamw", "lr": 5e-4, "weight_decay": 0.01},
    "lstm": {"optimizer": "adamw", "lr": 5e-4, "weight_decay": 0.01},
    "gru": {"optimizer": "adamw", "lr": 5e-4, "weight_decay": 0.01},
    "transformer": {"optimizer": "adamw", "lr": 5e-4, "weight_decay": 0.01},
}


def build(config: ModelConfig) -> LanguageModel:
    if config.model not in MODELS:
        raise ValueError(f"unknown model {config.model!r}: choose one of {', '.join(MODELS)}")
    return MODELS[config.model](config)


# Small enough to read in a rendered graph: one batch of built-in names through each model.
TINY: dict[str, dict] = {
    "ngram": {"block_size": 2, "n_embd": 1},
    "bigram": {"block_size": 1, "n_embd": 1},
    "mlp": {"block_size": 3, "n_embd": 4, "n_hidden": 8},
    "cnn": {"block_size": 4, "n_embd": 4, "n_hidden": 8},
    "rnn": {"block_size": 5, "n_embd": 4, "n_hidden": 6},
    "lstm": {"block_size": 5, "n_embd": 4, "n_hidden": 6},
    "gru": {"block_size": 5, "n_embd": 4, "n_hidden": 6},
    "transformer": {"block_size": 6, "n_embd": 8, "n_layer": 2, "n_head": 2},
}


def tiny_loss(name: str, batch_size: int = 4, seed: int = 0):
    """One training step's loss of a tiny `name` model on a batch of the built-in names."""
    import numpy as np

    from models.data import Batches, Corpus, builtin_names

    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}")
    if MODELS[name].counting:
        raise ValueError(f"{name} is trained by counting: it has no backward pass to show")
    corpus = Corpus.from_text(builtin_names())
    config = ModelConfig(model=name, vocab_size=len(corpus.vocab), seed=seed, **TINY[name])
    model = build(config)
    batches = Batches(corpus, "train", config.block_size, model.window, np.random.default_rng(seed))
    x, y = batches.sample(batch_size)
    loss = model.loss(x, y)
    loss.name = "loss"
    return model, loss


# the models a backward pass can be shown of (graph, step, flow): all but the count models
TRAINED_BY_GRADIENTS = [name for name, kind in MODELS.items() if not kind.counting]
