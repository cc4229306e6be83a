"""Small random-draw helpers shared by the generation steps."""

from __future__ import annotations

import numpy as np


def pick(rng: np.random.Generator, n: int, weights: np.ndarray | list[float] | tuple[float, ...]) -> np.ndarray:
    """n draws of an index into ``weights``, with probabilities proportional to them."""
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=n, p=w / w.sum())


def uniform_steps(rng: np.random.Generator, n: int, lo_fen: int, hi_fen: int, step_fen: int) -> np.ndarray:
    """n uniform multiples of step_fen in [lo_fen, hi_fen]."""
    lo, hi = -(-lo_fen // step_fen), hi_fen // step_fen
    return rng.integers(lo, max(lo, hi) + 1, size=n).astype(np.int64) * step_fen


def fen(yuan: float) -> int:
    """Yuan → whole fen."""
    return int(round(yuan * 100))
