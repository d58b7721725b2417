# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""Small statistics for evaluation reports: intervals, paired tests, fits, fingerprints.

Pure numpy/scipy, no torch, so they are easy to check against known values.
"""
from __future__ import annotations

import hashlib
import math
from typing import Sequence

import numpy as np
from scipy import stats


def wilson_interval(successes: int, trials: int, confidence: float = 0.95
                    ) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion, (low, high) in [0, 1].

    Unlike the normal approximation it stays inside [0, 1] and is not degenerate
    at 0/n or n/n, which small success tables hit all the time.
    """
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f'need 0 <= successes <= trials and trials >= 1, got '
                         f'{successes}/{trials}')
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    # Clamp rounding noise; at 0/n and n/n the bound is exactly 0 or 1.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def paired_comparison(a: Sequence[bool], b: Sequence[bool]) -> dict:
    """Compare two methods on the same episodes: discordant counts and exact McNemar.

    `only_a` counts episodes method a solved and b did not. The two-sided exact
    McNemar p-value is the binomial test of only_a vs only_b at p = 1/2; it uses
    the pairing, so it is far more sensitive than comparing two intervals.
    """
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    if a.shape != b.shape:
        raise ValueError(f'paired results differ in length: {a.size} vs {b.size}')
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    discordant = only_a + only_b
    p = 1.0 if discordant == 0 else float(
        stats.binomtest(only_a, discordant, 0.5).pvalue)
    return {'both': int((a & b).sum()), 'only_a': only_a, 'only_b': only_b,
            'neither': int((~a & ~b).sum()), 'mcnemar_p': p}


def linear_fit(x: Sequence[float], y: Sequence[float]) -> dict:
    """Least-squares line y = slope * x + intercept (the growth rate of an error)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.size < 2:
        return {'slope': float('nan'), 'intercept': float(y[0]) if y.size else float('nan')}
    slope, intercept = np.polyfit(x, y, 1)
    return {'slope': float(slope), 'intercept': float(intercept)}


def time_summary(seconds: Sequence[float]) -> dict:
    """Median / mean / p90 / max of a list of durations, in seconds."""
    t = np.asarray(seconds, np.float64)
    if t.size == 0:
        return {'count': 0}
    return {'count': int(t.size), 'median_s': float(np.median(t)), 'mean_s': float(t.mean()),
            'p90_s': float(np.percentile(t, 90)), 'max_s': float(t.max()),
            'total_s': float(t.sum())}


def fingerprint(arrays: Sequence[np.ndarray]) -> str:
    """sha256 of float64 arrays: equal iff two runs used the same start/goal pairs."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array, np.float64).tobytes())
    return digest.hexdigest()
