"""`backproplab sample` and `backproplab eval`: what a trained checkpoint says."""

from __future__ import annotations

import argparse

from models.checkpoint import CheckpointError, current
from models.data import DataError
from models.metrics import encode
from models.train import DataSettings, evaluate, load_model, perplexity_report


def run_sample(args: argparse.Namespace) -> int:
    model, vocab, _ = load_model(args.checkpoint)
    lines = vocab.boundary is not None
    try:
        prompt = vocab.encode(args.prompt)
    except DataError as error:
        raise DataError(f"--prompt: {error}") from None
    if vocab.boundary is not None:
        context = [vocab.boundary, *prompt]
    else:
        start = vocab.index.get("\n", 0)
        context = prompt or [start]
    limit = args.max_new_tokens or (50 if lines else 200)
    for i in range(args.n):
        new = model.generate(context, limit, args.temperature, args.top_k, args.seed + i,
                             stop=vocab.boundary)
        print(vocab.decode(context + new))
    return 0


def run_eval(args: argparse.Namespace) -> int:
    model, vocab, config = load_model(args.checkpoint)
    if not isinstance(config.get("data"), dict):   # sample needs no corpus; eval does
        raise CheckpointError(f"eval: {current(args.checkpoint) / 'config.json'} has no data "
                              "section, so the corpus to evaluate on is unknown")
    corpus = DataSettings.from_json(config["data"]).load(vocab)
    x, y = corpus.examples(args.split, model.config.block_size, model.window)
    report = perplexity_report(evaluate(model, x, y))
    if args.json:
        # strict JSON, as metrics.jsonl: a diverged run's infinite perplexity is null
        print(encode({"split": args.split, "step": config["step"], **report}))
    else:
        unit = "character" if vocab.level == "char" else "word"
        print(f"{args.split}: loss {report['loss']:.4f} nats/token, perplexity "
              f"{report['perplexity']:.3f}, {report['bits_per_token']:.4f} bits per {unit} "
              f"({config['model']['model']}, step {config['step']})")
    return 0
