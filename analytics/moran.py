"""Moran's I: global, local (LISA) and bivariate local, on row-standardised binary weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import erfc

from . import _inputs
from ._permutation import ConditionalDraws, check_alternative, check_permutations, pseudo_p, resolve_rng

__all__ = ["LocalMoran", "BivariateLocalMoran", "GlobalMoran", "QUADRANTS", "LISA_CLASSES"]

#: esda quadrant codes -> labels (first letter: the area itself, second: its neighbours)
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: class labels in legend order
LISA_CLASSES = ("HH", "HL", "LH", "LL", "Not significant")


def _standardised_and_lag(w, values):
    """(z, row-standardised lag of z) with z = (values - mean) / sd (population sd).

    Computed from n * value - total and n * neighbour_sum - k * total, which are exact for
    integer-valued data, so an area exactly at the mean (or with neighbours exactly at it on
    average) gets exactly 0 and a stable quadrant, not a rounding-noise sign.
    """
    n, total = len(values), values.sum()
    sd = values.std()
    k = w.cardinalities
    z = (n * values - total) / (n * sd)
    lag = np.where(k > 0, (n * (w.adjacency @ values) - k * total) / (n * np.maximum(k, 1) * sd), 0.0)
    return z, lag


def _quadrant_codes(focal, lag):
    # esda's rule: "H" means strictly above the mean (> 0), anything else is "L"
    hi, lag_hi = focal > 0, lag > 0
    return np.select([hi & lag_hi, ~hi & lag_hi, ~hi & ~lag_hi], [1, 2, 3], default=4)


class _LocalMoranBase:
    _kind = "local Moran"

    def _fit(self, x, y, w, permutations, seed, fdr, alpha, alternative, draws=None, counts=None):
        if permutations < 1:
            raise ValueError(f"{type(self).__name__} needs permutations >= 1 for its significance (e.g. 999)")
        if not isinstance(fdr, (bool, np.bool_)):
            raise ValueError(f"fdr must be True or False, got {fdr!r}")
        self.alpha = _inputs.check_fraction(alpha, "alpha")
        self.alternative = check_alternative(alternative)
        self.weights = w
        self.ids = w.ids
        self.n = n = w.n
        self.permutations = permutations
        self.seed = seed
        self.fdr = bool(fdr)
        self.islands = list(w.islands)
        self.n_islands = len(self.islands)

        zx = _standardised_and_lag(w, x)[0]
        self.zx = zx
        self.lag = _standardised_and_lag(w, y)[1]
        self.Is = zx * self.lag
        self.q = _quadrant_codes(zx, self.lag)
        self.quadrant = np.array([QUADRANTS[c] for c in range(1, 5)], dtype=object)[self.q - 1]

        if counts is None:
            counts = draws.tail_counts(y, w.adjacency @ y)
        ge, le = counts
        # I_i = zx_i * (sum of neighbours' zy) / k_i: increasing in the neighbour sum when zx_i > 0,
        # decreasing when zx_i < 0, constant (0, all ties) when zx_i == 0
        ge_i = np.where(zx > 0, ge, np.where(zx < 0, le, permutations))
        le_i = np.where(zx > 0, le, np.where(zx < 0, ge, permutations))
        self.p_sim = pseudo_p(ge_i, le_i, permutations, self.alternative)

        tested = w.cardinalities > 0
        sig = _inputs.significant(self.p_sim, self.alpha, self.fdr, tested)
        self.significant = sig
        self.classes = np.where(sig, self.quadrant, "Not significant").astype(object)
        corr = f"Benjamini-Hochberg FDR {self.alpha:g}" if self.fdr else f"raw p <= {self.alpha:g}"
        isl = f"; {self.n_islands} island(s) without neighbours not tested" if self.n_islands else ""
        self.class_basis = (
            f"{self._kind} quadrant where the permutation pseudo-p ({self.alternative}, {permutations} permutations, "
            f"ties counted as extreme) is significant, {corr} across {int(tested.sum()):,} areas{isl}"
        )

    def class_counts(self) -> pd.Series:
        return pd.Series(self.classes).value_counts().reindex(list(LISA_CLASSES), fill_value=0)

    def to_frame(self, prefix: str = "lisa") -> pd.DataFrame:
        return pd.DataFrame(
            {
                f"{prefix}_I": self.Is,
                f"{prefix}_quadrant": self.quadrant,
                f"{prefix}_p_sim": self.p_sim,
                f"{prefix}_class": pd.Categorical(self.classes, categories=list(LISA_CLASSES)),
            },
            index=self.ids,
        )

    def __repr__(self) -> str:
        c = self.class_counts()
        body = ", ".join(f"{k}={int(c[k])}" for k in LISA_CLASSES[:4])
        return f"{type(self).__name__}(n={self.n}, {body}, permutations={self.permutations}, fdr={self.fdr})"


class LocalMoran(_LocalMoranBase):
    """Local Moran's I (Anselin's LISA) with row-standardised binary weights.

    I_i = z_i * sum_j w_ij z_j with z = (y - mean) / sd (population sd) and
    w_ij = 1 / k_i for the k_i neighbours of i: the GeoDa / R spdep
    convention.  esda's ``Moran_Local(...).Is`` is (n - 1) / n times this.

    Parameters
    ----------
    y : one value per area in ``weights.ids`` order
    weights : SpatialWeights (binary, no self-links)
    permutations : P >= 1; seed : None, int or numpy Generator
    fdr : Benjamini-Hochberg across tested areas (default) or raw ``p_sim <= alpha``
    alpha : significance level for ``classes``
    alternative : "two-sided" (default) | "greater" (positive local association) | "less"

    Attributes
    ----------
    Is : local I per area (islands: 0)
    zx, lag : standardised value and its row-standardised spatial lag (Moran scatterplot axes)
    q : esda quadrant codes 1 HH, 2 LH, 3 LL, 4 HL; quadrant : the labels
    p_sim : pseudo p-values by conditional randomisation (x_i fixed, k_i neighbours
        drawn without replacement from the other n - 1 areas).  Two-sided:
        min(1, 2 * (1 + min(ge, le)) / (P + 1)), ge / le = simulated I_i >= / <=
        the observed one; ties count as at least as extreme (conservative).
    classes : quadrant label where significant, else "Not significant"; islands
        are never tested ("Not significant") and are listed in ``islands``.
    significant : bool mask behind ``classes``; class_basis : how classes were made
    """

    def __init__(self, y, weights, permutations: int = 999, seed=None, fdr: bool = True, alpha: float = 0.05,
                 alternative: str = "two-sided"):
        w = _inputs.as_weights(weights)
        values = _inputs.as_values(y, w)
        permutations = check_permutations(permutations, minimum=1)
        draws = ConditionalDraws(w.cardinalities, permutations, resolve_rng(seed))
        self.y = values
        self._fit(values, values, w, permutations, seed, fdr, alpha, alternative, draws=draws)

    @classmethod
    def _from_counts(cls, values, w, permutations, seed, fdr, alpha, alternative, counts):
        obj = cls.__new__(cls)
        obj.y = values
        obj._fit(values, values, w, permutations, seed, fdr, alpha, alternative, counts=counts)
        return obj


class BivariateLocalMoran(_LocalMoranBase):
    """Bivariate local Moran: x in an area against the spatial lag of y around it.

    I_i = zx_i * sum_j w_ij zy_j (row-standardised, population-sd standardised
    x and y; GeoDa convention, n / (n - 1) times esda ``Moran_Local_BV.Is``).
    Typical use: x = violence, y = a risk factor; "HH" = high violence
    surrounded by high risk.  Quadrant codes/labels as in :class:`LocalMoran`
    (first letter x, second letter lagged y).  Conditional randomisation holds
    x_i fixed and draws the k_i neighbours' y values without replacement from
    the other n - 1 areas.  Same parameters and attributes as LocalMoran.
    """

    _kind = "bivariate local Moran"

    def __init__(self, x, y, weights, permutations: int = 999, seed=None, fdr: bool = True, alpha: float = 0.05,
                 alternative: str = "two-sided"):
        w = _inputs.as_weights(weights)
        xv = _inputs.as_values(x, w, name="x")
        yv = _inputs.as_values(y, w, name="y")
        permutations = check_permutations(permutations, minimum=1)
        draws = ConditionalDraws(w.cardinalities, permutations, resolve_rng(seed))
        self.x, self.y = xv, yv
        self._fit(xv, yv, w, permutations, seed, fdr, alpha, alternative, draws=draws)


class GlobalMoran:
    """Global Moran's I with row-standardised binary weights.

    I = (n / S0) * z'Wz / z'z with z = y - mean, S0 = sum of weights (n minus
    the number of islands).  Same value as esda ``Moran(y, w)`` (transformation "r").

    Attributes
    ----------
    I, EI (= -1 / (n - 1)), VI_norm, z_norm, p_norm (two-sided, normality assumption)
    p_sim : two-sided permutation pseudo-p from P full random permutations of y,
        min(1, 2 * (1 + min(ge, le)) / (P + 1)), ties counted as extreme
        (None when permutations=0); sim : the P simulated I values
    EI_sim, seI_sim, z_sim : moments of the permutation distribution and I's z against them
    """

    def __init__(self, y, weights, permutations: int = 999, seed=None):
        w = _inputs.as_weights(weights)
        values = _inputs.as_values(y, w)
        permutations = check_permutations(permutations)
        rng = resolve_rng(seed)
        self.y = values
        self.weights = w
        self.n = n = w.n
        self.permutations = permutations
        self.seed = seed
        self.islands = list(w.islands)
        self.n_islands = len(self.islands)
        k = w.cardinalities
        W = sparse.diags(np.where(k > 0, 1.0 / np.maximum(k, 1), 0.0)) @ w.adjacency
        W = W.tocsr()
        self.s0 = s0 = float(W.sum())
        if s0 == 0:
            raise ValueError("every area is an island (no neighbours at all); choose wider weights, e.g. 'knn:8'")
        Wt = W.T.tocsr()
        self.s1 = s1 = 0.5 * float((W + Wt).power(2).sum())
        self.s2 = s2 = float(((np.asarray(W.sum(axis=1)).ravel() + np.asarray(W.sum(axis=0)).ravel()) ** 2).sum())
        z = values - values.mean()
        zz = float(z @ z)
        self.I = n / s0 * float(z @ (W @ z)) / zz
        self.EI = -1.0 / (n - 1)
        self.VI_norm = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n - 1) * (n + 1) * s0 * s0) - self.EI**2
        self.z_norm = (self.I - self.EI) / np.sqrt(self.VI_norm)
        self.p_norm = float(erfc(abs(self.z_norm) / np.sqrt(2.0)))  # two-sided normal p

        if permutations:
            sims = np.empty(permutations)
            chunk = max(1, min(permutations, 4_000_000 // n))
            for start in range(0, permutations, chunk):
                m = min(chunk, permutations - start)
                # one rng.permutation per row is about 2x faster than rng.permuted(..., axis=1)
                Z = np.empty((n, m))
                for c in range(m):
                    Z[:, c] = rng.permutation(z)
                sims[start : start + m] = n / s0 * np.einsum("ij,ij->j", Z, W @ Z) / zz
            tol = 1e-10 * max(abs(self.I), 1e-12)
            ge = int((sims >= self.I - tol).sum())
            le = int((sims <= self.I + tol).sum())
            self.sim = sims
            self.p_sim = float(pseudo_p(ge, le, permutations))
            self.EI_sim = float(sims.mean())
            self.seI_sim = float(sims.std())
            self.z_sim = (self.I - self.EI_sim) / self.seI_sim if self.seI_sim > 0 else 0.0
        else:
            self.sim = self.p_sim = None
            self.EI_sim = self.seI_sim = self.z_sim = None

    def __repr__(self) -> str:
        ps = f", p_sim={self.p_sim:.4f}" if self.p_sim is not None else ""
        return f"GlobalMoran(I={self.I:.4f}, z_norm={self.z_norm:.2f}, p_norm={self.p_norm:.4g}{ps})"
