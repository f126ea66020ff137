"""The four models by name."""

from __future__ import annotations

from models.base import LanguageModel, ModelConfig
from models.cnn import CNNLanguageModel
from models.mlp import MLPLanguageModel
from models.rnn import RNNLanguageModel
from models.transformer import TransformerLanguageModel

MODELS: dict[str, type[LanguageModel]] = {
    "mlp": MLPLanguageModel,
    "cnn": CNNLanguageModel,
    "rnn": RNNLanguageModel,
    "transformer": TransformerLanguageModel,
}

# Sizes for the quick runs of the demo and the defaults of `backproplab train`:
# makemore's lecture settings for the MLP and the CNN, makemore's defaults for the others.
DEFAULTS: dict[str, dict] = {
    "mlp": {"block_size": 3, "n_embd": 10, "n_hidden": 200},
    "cnn": {"block_size": 8, "n_embd": 24, "n_hidden": 128},
    "rnn": {"block_size": 16, "n_embd": 64, "n_hidden": 64},
    "transformer": {"block_size": 16, "n_embd": 64, "n_layer": 4, "n_head": 4},
}


def build(config: ModelConfig) -> LanguageModel:
    if config.model not in MODELS:
        raise ValueError(f"unknown model {config.model!r}: choose one of {', '.join(MODELS)}")
    return MODELS[config.model](config)
