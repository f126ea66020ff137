"""The playground's data: three 2-D toy sets of points labelled ±1, as in micrograd's demo."""

from __future__ import annotations

import math

import numpy as np

TOYS = ("moons", "xor", "spiral")


def toy_data(kind: str, count: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(points (count, 2), labels ±1) of a toy set: two interleaved half moons, the four XOR
    quadrants, or two spiral arms; with a little noise, scaled to about [−1.5, 1.5]²."""
    rng = np.random.default_rng(seed)
    half = count // 2
    if kind == "moons":
        angle = rng.uniform(0, math.pi, count)
        upper = np.stack([np.cos(angle[:half]), np.sin(angle[:half])], 1)
        lower = np.stack([1 - np.cos(angle[half:]), 0.5 - np.sin(angle[half:])], 1)
        points = np.concatenate([upper, lower]) - [0.5, 0.25]
        labels = np.r_[np.ones(half), -np.ones(count - half)]
        points += rng.normal(0, 0.1, points.shape)
    elif kind == "xor":
        points = rng.uniform(-1.5, 1.5, (count, 2))
        points += np.sign(points) * 0.1   # a margin around the axes
        labels = np.sign(points[:, 0] * points[:, 1])
    elif kind == "spiral":
        radius = np.linspace(0.2, 1.5, half)
        turn = np.linspace(0, 1.75 * math.pi, half)
        arm = np.stack([radius * np.cos(turn), radius * np.sin(turn)], 1)
        points = np.concatenate([arm, -arm]) + rng.normal(0, 0.05, (2 * half, 2))
        labels = np.r_[np.ones(half), -np.ones(half)]
    else:
        raise ValueError(f"live: unknown toy {kind!r}: choose {', '.join(TOYS)}")
    return points, labels
