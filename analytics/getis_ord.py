"""Getis-Ord Gi* hot-spot statistic (binary weights, each area counted as its own neighbour)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import erfc

from . import _inputs
from ._permutation import ConditionalDraws, check_alternative, check_permutations, pseudo_p, resolve_rng

__all__ = ["GetisOrdGiStar", "GI_CLASSES", "GI_LEVELS"]

#: class labels, hottest first (use as an ordered categorical / legend order)
GI_CLASSES = (
    "Hot spot 99%",
    "Hot spot 95%",
    "Hot spot 90%",
    "Not significant",
    "Cold spot 90%",
    "Cold spot 95%",
    "Cold spot 99%",
)
#: (significance level, confidence label), loosest first
GI_LEVELS = ((0.10, "90%"), (0.05, "95%"), (0.01, "99%"))

_CLASS_P = ("analytic", "permutation")


class GetisOrdGiStar:
    """Local Getis-Ord Gi* with binary weights including self.

    Gi*_i = sum_j w_ij y_j / sum_j y_j with w_ii = 1 and w_ij = 1 for the
    neighbours of i.  The z-score is the standardised form of Ord & Getis (1995)::

        z_i = (S_i - K_i * ybar) / (s * sqrt(K_i * (n - K_i) / (n - 1)))

    with S_i the sum of y over i and its neighbours, K_i = neighbours + 1,
    ybar the mean and s the population standard deviation of y.  For y with
    a positive mean this equals esda ``G_Local(y, w, star=True,
    transform='B').Zs`` and R spdep ``localG`` (self included).

    Parameters
    ----------
    y : one value per area, in ``weights.ids`` order (a Series must be indexed by the ids)
    weights : SpatialWeights (binary, no self-links; self is added here)
    permutations : P for the permutation pseudo p-values (0 = analytic only)
    seed : None, int or numpy Generator
    alternative : "two-sided" | "greater" | "less", for ``p_sim``
    fdr : apply Benjamini-Hochberg across areas when classifying
    class_p : "analytic" (ArcGIS style, default) or "permutation": which p-value the classes use

    Attributes
    ----------
    z : analytic z-scores
    p : two-sided p-values from the standard normal, 2 * (1 - Phi(|z|))
    p_sim : permutation pseudo p-values (None when permutations=0).  Conditional
        randomisation: y_i is held fixed and its k_i neighbours are drawn without
        replacement from the other n - 1 areas, P times.  With ge / le the
        number of simulated neighbour sums >= / <= the observed one,
        greater: (1 + ge) / (P + 1); less: (1 + le) / (P + 1);
        two-sided: min(1, 2 * (1 + min(ge, le)) / (P + 1)).
        Ties count as at least as extreme, which is conservative: integer
        counts produce many ties.
    classes : array of labels from ``GI_CLASSES``.  An area is a hot (cold) spot at
        level a if its p-value is significant at a and z > 0 (z < 0); with
        ``fdr=True`` significance at each level 0.10 / 0.05 / 0.01 is decided
        by Benjamini-Hochberg separately across all tested areas.  Islands
        (no neighbours) are not tested: always "Not significant".
    G, EG, VG : statistic, its expectation and variance (G is NaN if sum(y) == 0)
    fdr : bool used; class_basis : one sentence describing how classes were made
    islands : ids of areas without neighbours; n_islands
    """

    def __init__(
        self,
        y,
        weights,
        permutations: int = 999,
        seed=None,
        alternative: str = "two-sided",
        fdr: bool = True,
        class_p: str = "analytic",
    ):
        w = _inputs.as_weights(weights)
        values = _inputs.as_values(y, w)
        permutations = check_permutations(permutations)
        draws = ConditionalDraws(w.cardinalities, permutations, resolve_rng(seed)) if permutations else None
        self._fit(values, w, permutations, seed, alternative, fdr, class_p, draws=draws)

    @classmethod
    def _from_counts(cls, values, w, permutations, seed, alternative, fdr, class_p, counts):
        obj = cls.__new__(cls)
        obj._fit(values, w, permutations, seed, alternative, fdr, class_p, counts=counts)
        return obj

    def _fit(self, values, w, permutations, seed, alternative, fdr, class_p, draws=None, counts=None):
        self.alternative = check_alternative(alternative)
        if class_p not in _CLASS_P:
            raise ValueError(f"class_p must be 'analytic' or 'permutation', got {class_p!r}")
        if class_p == "permutation" and not permutations:
            raise ValueError("class_p='permutation' needs permutations >= 1 (e.g. 999)")
        if not isinstance(fdr, (bool, np.bool_)):
            raise ValueError(f"fdr must be True or False, got {fdr!r}")
        self.y = values
        self.weights = w
        self.ids = w.ids
        self.n = n = w.n
        self.permutations = permutations
        self.seed = seed
        self.fdr = bool(fdr)
        self.class_p = class_p
        self.islands = list(w.islands)
        self.n_islands = len(self.islands)

        nbr_sum = w.adjacency @ values
        K = w.cardinalities + 1.0
        S = values + nbr_sum
        ybar = values.mean()
        s = np.sqrt(max((values**2).mean() - ybar**2, 0.0))
        if s <= 1e-12 * max(abs(ybar), 1.0):
            raise ValueError("y has (numerically) no variation, so Gi* is undefined; check the data or pick another measure")
        total = values.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            sd_S = s * np.sqrt(K * (n - K) / (n - 1))
            # an area linked to every other area has a fixed Gi*: z = 0, p = 1
            self.z = np.where(sd_S > 0, (S - K * ybar) / np.where(sd_S > 0, sd_S, 1.0), 0.0)
            self.G = S / total if total != 0 else np.full(n, np.nan)
            self.EG = K / n
            self.VG = (sd_S / total) ** 2 if total != 0 else np.full(n, np.nan)
        self.p = erfc(np.abs(self.z) / np.sqrt(2.0))  # = 2 * (1 - Phi(|z|)), without importing scipy.stats

        if permutations:
            if counts is None:
                counts = draws.tail_counts(values, nbr_sum)
            self._ge, self._le = counts
            self.p_sim = pseudo_p(self._ge, self._le, permutations, self.alternative)
        else:
            self.p_sim = None

        tested = w.cardinalities > 0
        basis_p = self.p if class_p == "analytic" else self.p_sim
        classes = np.full(n, "Not significant", dtype=object)
        for level, label in GI_LEVELS:  # loosest first, stricter levels overwrite
            sig = _inputs.significant(basis_p, level, self.fdr, tested)
            classes[sig & (self.z > 0)] = f"Hot spot {label}"
            classes[sig & (self.z < 0)] = f"Cold spot {label}"
        self.classes = classes

        if class_p == "analytic":
            src = "analytic two-sided p (normal approximation)"
        else:
            src = f"permutation pseudo-p ({self.alternative}, {permutations} permutations, ties counted as extreme)"
        corr = (
            f"Benjamini-Hochberg FDR at 10%/5%/1% across {int(tested.sum()):,} areas"
            if self.fdr
            else "raw thresholds 0.10/0.05/0.01, no multiple-testing correction"
        )
        isl = f"; {self.n_islands} island(s) without neighbours not tested" if self.n_islands else ""
        self.class_basis = f"Gi* classes from {src}, {corr}{isl}"

    def class_counts(self) -> pd.Series:
        """Number of areas per class, in ``GI_CLASSES`` order (zeros included)."""
        return pd.Series(self.classes).value_counts().reindex(list(GI_CLASSES), fill_value=0)

    def to_frame(self) -> pd.DataFrame:
        """Per-area results indexed by the area ids (classes as an ordered categorical)."""
        df = pd.DataFrame({"gi_z": self.z, "gi_p": self.p}, index=self.ids)
        if self.p_sim is not None:
            df["gi_p_sim"] = self.p_sim
        df["gi_class"] = pd.Categorical(self.classes, categories=list(GI_CLASSES), ordered=True)
        return df

    def __repr__(self) -> str:
        c = self.class_counts()
        hot = int(c[[x for x in GI_CLASSES if x.startswith("Hot")]].sum())
        cold = int(c[[x for x in GI_CLASSES if x.startswith("Cold")]].sum())
        return f"GetisOrdGiStar(n={self.n}, hot={hot}, cold={cold}, permutations={self.permutations}, fdr={self.fdr})"
