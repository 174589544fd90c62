"""Fast conditional randomisation for local statistics on binary weights.

With binary weights every local statistic used here (Gi*, local Moran,
bivariate local Moran) is, for a fixed area i, a monotone function of one
random quantity: the sum of ``values`` over k_i areas drawn without
replacement from the other n - 1 areas (x_i held fixed).  So one set of
random draws gives the reference distribution of all of them, and only the
two tail counts per area are needed::

    ge_i = #{simulations with sum >= observed neighbour sum}
    le_i = #{simulations with sum <= observed neighbour sum}

Ties count on both sides (a tie is "at least as extreme"), so with integer
counts, where ties are common, p-values are conservative.  A tolerance of
~1e-12 relative to the size of the sums absorbs floating-point summation
order.

How the draws are made (numpy only, no JIT, nothing to compile):

* Areas are dealt into B blocks (area i goes to block i mod B; B <= 64 and
  bounded by memory).  Each block gets its own index matrix ``idx`` of shape
  (P, k_max): P ordered samples without replacement from range(n - 1).
* For area i, index j of range(n - 1) stands for area j, except that j == i
  stands for area n - 1 (a bijection onto "every area but i").  Hence the
  simulated neighbour sums of area i are the prefix sums
  ``cumsum(values[idx])[:, k_i]`` of its block, corrected in the rare rows
  where i itself was drawn among the first k_i (there the value of area n - 1
  replaces that of area i).  This is exact, not an approximation.
* Tail counts then come from ``searchsorted`` on each sorted prefix-sum
  column, plus the sparse corrections: O(B * P * k_max + n log P) work instead
  of O(n * P * k).

Like esda's ``crand`` (one (P, k_max) index matrix shared by every area),
each area's pseudo p-value is an exact Monte Carlo p-value, but Monte Carlo
errors of different areas are correlated: here areas in the same block with
the same number of neighbours share their reference sample (except where
they were drawn themselves).  Areas with consecutive row numbers fall in
different blocks.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ConditionalDraws", "pseudo_p", "resolve_rng", "sample_without_replacement", "ALTERNATIVES"]

ALTERNATIVES = ("two-sided", "greater", "less")

_MAX_BLOCKS = 64
_ELEMENT_BUDGET = 4_000_000  # B * P * (k_max + 1) simulated sums kept in memory at once


def resolve_rng(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0):
        return np.random.default_rng(seed)
    raise ValueError(f"seed must be None, a non-negative int or a numpy Generator, got {seed!r}")


def check_permutations(permutations, minimum: int = 0) -> int:
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) or permutations < minimum:
        raise ValueError(f"permutations must be a whole number >= {minimum} (e.g. 999), got {permutations!r}")
    return int(permutations)


def check_alternative(alternative) -> str:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(repr(a) for a in ALTERNATIVES)}, got {alternative!r}")
    return alternative


def pseudo_p(ge, le, permutations: int, alternative: str = "two-sided") -> np.ndarray:
    """Permutation pseudo p-values from tail counts (ties count as at least as extreme).

    greater:   (1 + ge) / (P + 1)
    less:      (1 + le) / (P + 1)
    two-sided: min(1, 2 * (1 + min(ge, le)) / (P + 1))
    """
    ge = np.asarray(ge, dtype=float)
    le = np.asarray(le, dtype=float)
    if alternative == "greater":
        return (1.0 + ge) / (permutations + 1.0)
    if alternative == "less":
        return (1.0 + le) / (permutations + 1.0)
    if alternative == "two-sided":
        return np.minimum(1.0, 2.0 * (1.0 + np.minimum(ge, le)) / (permutations + 1.0))
    raise ValueError(f"alternative must be one of {', '.join(ALTERNATIVES)}, got {alternative!r}")


def sample_without_replacement(rng: np.random.Generator, rows: int, population: int, k: int) -> np.ndarray:
    """(rows, k) int array; each row an ordered uniform sample without replacement from range(population)."""
    dtype = np.int32 if population < 2**31 else np.int64
    if k == 0 or rows == 0:
        return np.empty((rows, k), dtype=dtype)
    if k > population:
        raise ValueError(f"cannot draw {k} distinct areas out of {population}")
    # probability that k i.i.d. uniform draws are all distinct
    accept = float(np.exp(np.sum(np.log1p(-np.arange(k) / population))))
    if accept >= 0.25:
        # rejection sampling: i.i.d. rows conditioned on "all distinct" are uniform ordered samples
        out = rng.integers(0, population, size=(rows, k), dtype=dtype)
        todo = np.arange(rows)
        for _ in range(200):
            s = np.sort(out[todo], axis=1)
            bad = (s[:, 1:] == s[:, :-1]).any(axis=1)
            todo = todo[bad]
            if not len(todo):
                return out
            out[todo] = rng.integers(0, population, size=(len(todo), k), dtype=dtype)
        for r in todo:  # pragma: no cover - astronomically unlikely
            out[r] = rng.choice(population, size=k, replace=False)
        return out
    if rows * population <= 20_000_000:
        # small population: order of i.i.d. random keys is a uniform permutation
        keys = rng.random((rows, population))
        part = np.argpartition(keys, k - 1, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(keys, part, axis=1), axis=1)
        return np.take_along_axis(part, order, axis=1).astype(dtype)
    out = np.empty((rows, k), dtype=dtype)
    for r in range(rows):
        out[r] = rng.choice(population, size=k, replace=False)
    return out


class ConditionalDraws:
    """Random draws shared by conditional-randomisation tests on one weights structure.

    Parameters
    ----------
    cardinalities : int array (n,), neighbours of each area (self excluded)
    permutations : P
    rng : numpy Generator
    """

    def __init__(self, cardinalities, permutations: int, rng: np.random.Generator, n_blocks: int | None = None):
        k = np.asarray(cardinalities, dtype=np.int64)
        self.n = n = len(k)
        self.cardinalities = k
        self.permutations = P = int(permutations)
        self.k_max = k_max = int(k.max()) if n else 0
        if k_max > n - 1:
            raise ValueError("an area has more neighbours than there are other areas; weights must not include self-links")
        if n_blocks is None:
            n_blocks = min(_MAX_BLOCKS, max(1, _ELEMENT_BUDGET // max(1, P * (k_max + 1))))
        self.n_blocks = B = max(1, min(int(n_blocks), n))
        self.block = np.arange(n) % B
        if P and k_max:
            self.idx = sample_without_replacement(rng, B * P, n - 1, k_max).reshape(B, P, k_max)
        else:
            self.idx = np.empty((B, P, k_max), dtype=np.int32)
        # group areas by (block, cardinality) for the searchsorted pass
        order = np.lexsort((k, self.block))
        key = self.block[order] * (k_max + 1) + k[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if n else np.empty(0, np.int64)
        self._order = order
        self._bounds = np.r_[starts, n]
        # the draws that hit an area of the same block inside its own first k_i: (block, row, area)
        if P and k_max:
            hit_area = self.idx.astype(np.int64)
            own_block = self.block[hit_area] == np.arange(B)[:, None, None]
            in_prefix = np.arange(k_max)[None, None, :] < k[hit_area]
            b, p, _ = np.nonzero(own_block & in_prefix)
            self._hits = (b, p, hit_area[own_block & in_prefix])
        else:
            empty = np.empty(0, np.int64)
            self._hits = (empty, empty, empty)

    def tail_counts(self, values, observed_sums):
        """(ge, le): per area, how many simulated neighbour sums are >= / <= the observed one."""
        values = np.asarray(values, dtype=float)
        obs = np.asarray(observed_sums, dtype=float)
        n, P, k = self.n, self.permutations, self.cardinalities
        if values.shape != (n,) or obs.shape != (n,):
            raise ValueError(f"values and observed sums must both have shape ({n},)")
        ge = np.full(n, P, dtype=np.int64)
        le = np.full(n, P, dtype=np.int64)
        if P == 0:
            return ge, le
        tol = 1e-12 * (k + 1) * max(float(np.abs(values).max()), np.finfo(float).tiny)
        lo_thr, hi_thr = obs - tol, obs + tol
        # simulated sums: sums[b, p, j] = sum of the first j drawn values in row p of block b
        sums = np.zeros(self.idx.shape[:2] + (self.k_max + 1,))
        np.cumsum(values[self.idx], axis=2, out=sums[:, :, 1:])
        sorted_sums = np.sort(sums, axis=1)
        order, bounds = self._order, self._bounds
        for s, e in zip(bounds[:-1], bounds[1:]):
            members = order[s:e]
            # islands (k = 0) compare with the empty sum, 0: all ties when their observed sum is 0
            ref = sorted_sums[self.block[members[0]], :, k[members[0]]]
            ge[members] = P - np.searchsorted(ref, lo_thr[members], side="left")
            le[members] = np.searchsorted(ref, hi_thr[members], side="right")
        # rows where area i drew itself: index i stands for area n - 1 there
        b, p, a = self._hits
        if len(a):
            old = sums[b, p, k[a]]
            new = old + (values[n - 1] - values[a])
            d_ge = (new >= lo_thr[a]).astype(np.int64) - (old >= lo_thr[a])
            d_le = (new <= hi_thr[a]).astype(np.int64) - (old <= hi_thr[a])
            ge += np.bincount(a, weights=d_ge, minlength=n).astype(np.int64)
            le += np.bincount(a, weights=d_le, minlength=n).astype(np.int64)
        return ge, le
