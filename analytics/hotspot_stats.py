"""Gi* and local Moran from one set of conditional-randomisation draws.

With binary weights both statistics are monotone functions of the same
random quantity (the sum of y over k_i areas drawn from the other n - 1), so
the draws and even the tail counts are computed once and shared.  The
results are identical to building :class:`GetisOrdGiStar` and
:class:`LocalMoran` separately with the same integer seed.
"""

from __future__ import annotations

from . import _inputs
from ._permutation import ConditionalDraws, check_permutations, resolve_rng
from .getis_ord import GetisOrdGiStar
from .moran import LocalMoran

__all__ = ["area_statistics"]


def area_statistics(
    y,
    weights,
    permutations: int = 999,
    seed=None,
    fdr: bool = True,
    alternative: str = "two-sided",
    class_p: str = "analytic",
    alpha: float = 0.05,
) -> tuple[GetisOrdGiStar, LocalMoran]:
    """Compute Gi* and local Moran for ``y`` on ``weights`` sharing the permutation draws.

    ``alternative`` and ``class_p`` apply to Gi* (see :class:`GetisOrdGiStar`),
    ``alpha`` to the local Moran classes; ``fdr`` to both.  The local Moran
    pseudo p-values are two-sided.  ``permutations`` must be >= 1.
    """
    w = _inputs.as_weights(weights)
    values = _inputs.as_values(y, w)
    permutations = check_permutations(permutations, minimum=1)
    draws = ConditionalDraws(w.cardinalities, permutations, resolve_rng(seed))
    counts = draws.tail_counts(values, w.adjacency @ values)
    gi = GetisOrdGiStar._from_counts(values, w, permutations, seed, alternative, fdr, class_p, counts)
    lm = LocalMoran._from_counts(values, w, permutations, seed, fdr, alpha, "two-sided", counts)
    return gi, lm
