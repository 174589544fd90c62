"""Statistical disclosure control: one policy, and one protected table of counts per view.

The rule, stated in every output's metadata (:meth:`DisclosurePolicy.metadata`):

1. **Primary suppression.** A count from 1 to ``threshold - 1`` (default 1–4) is shown as
   ``"<5"``; zero is shown (it reveals no individual), as are counts at or above the threshold.
2. **Secondary suppression.** Where a total is shown beside its parts (an LSOA's count in its
   ward's, a ward's in its authority's, a month's in the period's), more counts are hidden until
   no hidden count can be worked out from the totals and no group of hidden counts adds up to a
   small number (:mod:`analytics.suppression`). These are shown as ``"*"``: they may be large,
   so they are never labelled "<5".
3. **Statistics after suppression.** Everything computed from counts (Gi* and local Moran
   z-scores and classes, Gini, shares) is computed from the counts as shown, with each hidden
   count replaced by an estimate made from what is shown alone
   (:func:`analytics.suppression.stand_ins`). So no published figure, including a neighbour's
   z-score, depends on a hidden count. What describes a hidden area's own count (its rate,
   share of the total, rank) is withheld.
4. **One pattern for every view of the same data**: the protected table covers the whole
   analysed extent with every total a page or export can show (the whole area, each authority,
   each ward, each month of each), so cutting an export to a ward and reading the ward's total
   on another page reveals nothing. A custom list of areas shows its total only when none of its
   areas is hidden.

On for health sources (emergency departments, ambulance) and any source marked sensitive,
whether the data come from the store or from files; optional for police.uk data (already
public). An analyst entitled to raw counts asks for them explicitly (``--unsuppressed``); such an
output says "UNSUPPRESSED: not for sharing" in its metadata and on its first line or sheet.
Counts that are estimates (rate × population) are rounded, not suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.suppression import PRIMARY, SECONDARY, SHOWN, Constraint, stand_ins, suppress

DEFAULT_THRESHOLD = 5
HEALTH_SOURCES = ("ed", "ambulance")
SECONDARY_LABEL = "*"
UNSUPPRESSED_BANNER = "UNSUPPRESSED: not for sharing"

__all__ = ["DEFAULT_THRESHOLD", "HEALTH_SOURCES", "SECONDARY_LABEL", "UNSUPPRESSED_BANNER", "DisclosurePolicy",
           "default_policy", "ProtectedCounts", "TwoPeriodCounts", "ZoneSeries", "protect_column"]


@dataclass(frozen=True)
class DisclosurePolicy:
    """Whether to suppress, below which count, and why (for the metadata).

    ``unsuppressed``: raw counts were asked for explicitly although the data are sensitive; the
    policy is then off and every output carries :data:`UNSUPPRESSED_BANNER`.
    """

    enabled: bool = True
    threshold: int = DEFAULT_THRESHOLD
    reason: str = ""
    unsuppressed: bool = False

    def __post_init__(self):
        if int(self.threshold) < 2:
            raise ValueError("the suppression threshold must be at least 2 (e.g. 5)")

    def hides(self, count) -> bool:
        """Whether this count is shown as the label (primary suppression)."""
        return self.enabled and 0 < count < self.threshold

    @property
    def label(self) -> str:
        return f"<{self.threshold}"

    @property
    def rule(self) -> str:
        if self.unsuppressed:
            return (f"{UNSUPPRESSED_BANNER}. Raw counts were asked for explicitly (--unsuppressed); "
                    f"{self.reason or 'the data are sensitive'}: no small-number suppression was applied.")
        if not self.enabled:
            return "Small counts are not suppressed (police.uk data is already public)."
        return (f"Counts from 1 to {self.threshold - 1} are shown as \"{self.label}\"; where a total would reveal "
                f"them, further counts are hidden and shown as \"{SECONDARY_LABEL}\" (secondary suppression). "
                "Z-scores, classes and shares are computed from the counts as shown, with hidden counts estimated "
                "from what is shown; the rate, share and rank of an area whose count is hidden are withheld.")

    def metadata(self) -> dict[str, str]:
        """What every output states about disclosure control."""
        out = {"disclosure_control": self.rule,
               "suppression_threshold": str(self.threshold) if self.enabled else "none"}
        if self.enabled or self.unsuppressed:
            out["disclosure_reason"] = self.reason or "chosen by the user"
        if self.unsuppressed:
            out["WARNING"] = UNSUPPRESSED_BANNER
        return out


def default_policy(sources, threshold: int = DEFAULT_THRESHOLD, sensitive=(), unsuppressed: bool = False,
                   requested: bool = False) -> DisclosurePolicy:
    """On when any health or sensitive source contributes (or when ``requested``); off for police-only data.

    ``unsuppressed`` turns a policy that would be on off, and marks the outputs as not for sharing.
    """
    sources = [str(s) for s in sources]
    flagged = sorted({s for s in sources if s in HEALTH_SOURCES} | {s for s in sources if s in set(sensitive)})
    if flagged:
        reason = f"sensitive source{'s' if len(flagged) > 1 else ''}: {', '.join(flagged)}"
        if unsuppressed:
            return DisclosurePolicy(enabled=False, threshold=threshold, reason=reason, unsuppressed=True)
        return DisclosurePolicy(enabled=True, threshold=threshold, reason=reason)
    if requested:
        return DisclosurePolicy(enabled=True, threshold=threshold, reason="requested")
    return DisclosurePolicy(enabled=False, threshold=threshold)


# ------------------------------------------------------------------------------------ protected counts
ROOT = ("all", "all")


@dataclass
class ProtectedCounts:
    """The counts of one analysed extent, as every view of it may show them.

    Parameters
    ----------
    counts : Series of counts per leaf area (index: area codes), the period's totals.
    hierarchy : DataFrame indexed like ``counts`` whose columns are coarser levels, finest first
        (e.g. ``ward_code``, ``lad_code``); each level's totals are shown somewhere, as is the
        total of the whole extent. A level that does not nest in the next is linked to the leaves.
    steps : optional DataFrame of counts per leaf (rows, as ``counts``) and time step (columns, in
        order); the step series of the nodes of ``step_levels`` are shown (trend charts). The
        leaves' own steps are not: an LSOA x month table of small counts cannot be protected by
        local suppression (an integer-programming attack on such a table recovered about half of
        its hidden cells), so views never show it under a policy.
    policy : the :class:`DisclosurePolicy`.
    step_levels : the hierarchy columns (and ``"all"``) whose nodes show step series; default every
        level. Sparse data (ED attendances: most ward-months hold 0 or 1) protected at ward level
        would hide nearly every ward-month and, through the chains, the authorities' months too;
        the pages show trends for the whole area and authorities only under a policy.
    """

    counts: pd.Series
    hierarchy: pd.DataFrame | None = None
    steps: pd.DataFrame | None = None
    policy: DisclosurePolicy = field(default_factory=DisclosurePolicy)
    step_levels: tuple[str, ...] | None = None

    def __post_init__(self):
        counts = pd.to_numeric(self.counts, errors="coerce").astype(float)
        if counts.isna().any():
            raise ValueError("counts must be numbers; fill areas without incidents with 0")
        if counts.index.has_duplicates:
            raise ValueError("counts has repeated area codes; give one count per area")
        self.counts = counts
        codes = counts.index
        levels = []
        if self.hierarchy is not None:
            h = self.hierarchy.reindex(codes)
            levels = [(str(col), h[col].astype(object).where(h[col].notna(), "").astype(str).to_numpy())
                      for col in h.columns]
        self.levels = [name for name, _ in levels]
        names: list[tuple[str, str]] = [("leaf", str(c)) for c in codes]
        node_of: dict[tuple[str, str], int] = {n: i for i, n in enumerate(names)}
        members: list[tuple[int, np.ndarray]] = []  # (node, leaf rows)
        level_nodes: list[np.ndarray] = [np.arange(len(codes))]
        for name, labels in levels:
            uniq, inverse = np.unique(labels, return_inverse=True)
            ids = []
            for j, label in enumerate(uniq):
                key = (name, str(label))
                node_of[key] = len(names)
                names.append(key)
                ids.append(node_of[key])
                members.append((node_of[key], np.flatnonzero(inverse == j)))
            level_nodes.append(np.asarray(ids)[inverse])  # node of each leaf at this level
        node_of[ROOT] = len(names)
        names.append(ROOT)
        members.append((node_of[ROOT], np.arange(len(codes))))
        level_nodes.append(np.full(len(codes), node_of[ROOT]))
        self._names, self._node_of = names, node_of
        n_nodes = len(names)

        leaf_values = counts.to_numpy(float)
        totals = np.zeros(n_nodes)
        totals[: len(codes)] = leaf_values
        for node, rows in members:
            totals[node] = leaf_values[rows].sum()

        # children of each node: the next finer level's nodes when the levels nest, else the leaves
        constraints: list[Constraint] = []
        parent_level_of = {}
        for k in range(1, len(level_nodes)):
            finer, coarser = level_nodes[k - 1], level_nodes[k]
            pairs = pd.DataFrame({"child": finer, "parent": coarser}).drop_duplicates()
            nests = not pairs["child"].duplicated().any()
            if not nests:
                pairs = pd.DataFrame({"child": level_nodes[0], "parent": coarser}).drop_duplicates()
            for parent, grp in pairs.groupby("parent"):
                constraints.append(Constraint(int(parent), grp["child"].to_numpy(int)))
                parent_level_of[int(parent)] = grp["child"].to_numpy(int)
        values = list(totals)

        self.step_labels: list[str] = []
        self._step_var: dict[int, np.ndarray] = {}
        if self.steps is not None and len(self.steps.columns):
            st = self.steps.reindex(codes).fillna(0.0).astype(float)
            self.step_labels = [str(c) for c in st.columns]
            leaf_matrix = st.to_numpy(float)
            n_steps = leaf_matrix.shape[1]
            if not np.allclose(leaf_matrix.sum(axis=1), leaf_values):
                raise ValueError("the steps do not add up to the counts; build both from the same incidents")
            node_matrix = np.zeros((n_nodes, n_steps))
            node_matrix[: len(codes)] = leaf_matrix
            for node, rows in members:
                node_matrix[node] = leaf_matrix[rows].sum(axis=0)
            wanted = None if self.step_levels is None else set(self.step_levels)
            for node in range(len(codes), n_nodes):
                level = "all" if names[node] == ROOT else names[node][0]
                if wanted is not None and level not in wanted:
                    continue
                ids = np.arange(len(values), len(values) + n_steps)
                values.extend(node_matrix[node])
                self._step_var[node] = ids
                constraints.append(Constraint(int(node), ids))  # the node's total = sum of its steps
            for parent, children in parent_level_of.items():
                if all(int(c) in self._step_var for c in children):
                    for s in range(n_steps):
                        constraints.append(Constraint(int(self._step_var[parent][s]),
                                                      np.array([self._step_var[int(c)][s] for c in children])))
        self.values = np.asarray(values, dtype=float)
        self.constraints = constraints
        self.n_leaves = len(codes)
        if self.policy.enabled:
            result = suppress(self.values, constraints, self.policy.threshold)
            self.status = result.status
            self.unprotectable = result.unprotectable
            self.estimates = stand_ins(self.values, self.status, constraints, self.policy.threshold)
        else:
            self.status = np.zeros(len(self.values), dtype=np.int8)
            self.unprotectable = []
            self.estimates = self.values.copy()

    # -------------------------------------------------------------- queries
    @property
    def enabled(self) -> bool:
        return self.policy.enabled

    def _label(self, var: int, decimals: int = 0) -> str:
        status = self.status[var]
        if status == PRIMARY:
            return self.policy.label
        if status == SECONDARY:
            return SECONDARY_LABEL
        return f"{self.values[var]:,.{decimals}f}"

    @property
    def leaf_hidden(self) -> pd.Series:
        """True for the areas whose count is hidden (primary or secondary)."""
        return pd.Series(self.status[: self.n_leaves] != SHOWN, index=self.counts.index)

    @property
    def leaf_status(self) -> pd.Series:
        return pd.Series(self.status[: self.n_leaves], index=self.counts.index)

    def leaf_labels(self) -> pd.Series:
        """Each area's count as text: the number, "<t" or "*"."""
        return pd.Series([self._label(i) for i in range(self.n_leaves)], index=self.counts.index)

    def statistics_values(self) -> pd.Series:
        """The per-area counts statistics are computed on: shown counts, hidden ones estimated from what is shown."""
        return pd.Series(self.estimates[: self.n_leaves], index=self.counts.index)

    def node(self, level: str, code: str) -> int:
        key = ROOT if level == "all" else (level, str(code))
        if key not in self._node_of:
            raise KeyError(f"no {level} {code!r} in this extent")
        return self._node_of[key]

    def total_label(self, level: str = "all", code: str = "all") -> str:
        """A node's total as text (``level`` "all", or a hierarchy column such as "lad_code")."""
        return self._label(self.node(level, code))

    def total_hidden(self, level: str = "all", code: str = "all") -> bool:
        return bool(self.status[self.node(level, code)] != SHOWN)

    def step_series(self, level: str = "all", code: str = "all") -> pd.DataFrame:
        """A node's counts per step: ``step``, ``count`` (NaN where hidden), ``label`` and ``hidden``."""
        ids = self._step_var.get(self.node(level, code))
        if ids is None:
            raise KeyError("this table holds no steps")
        hidden = self.status[ids] != SHOWN
        return pd.DataFrame({"step": self.step_labels, "count": np.where(hidden, np.nan, self.values[ids]),
                             "label": [self._label(i) for i in ids], "hidden": hidden})

    def custom_total(self, codes) -> tuple[str, str | None]:
        """(text, note) for the total of a hand-picked list of areas.

        Shown only when none of them is hidden: with a hidden one inside, the total would reveal
        it by difference with counts shown elsewhere ((A + X) - X). The note says what was left out.
        """
        codes = [c for c in codes if c in self.counts.index]
        hidden = self.leaf_hidden.reindex(codes)
        total = float(self.counts.reindex(codes).sum())
        if not self.enabled or not hidden.any():
            return f"{total:,.0f}", None
        shown = float(self.counts.reindex(codes)[~hidden.to_numpy()].sum())
        return ("withheld", f"{int(hidden.sum())} of these {len(codes)} areas have hidden counts, so their total is "
                f"withheld (the other {len(codes) - int(hidden.sum())} hold {shown:,.0f}).")

    def label_frame(self, frame: pd.DataFrame, count_columns=("count",), derived_columns=(),
                    code_column: str = "area_code") -> pd.DataFrame:
        """A copy of ``frame`` (one row per area) safe to show: hidden counts as their labels, derived
        values of hidden areas blank. Count columns become text when anything is hidden."""
        out = frame.copy()
        if not self.enabled:
            return out
        hidden = self.leaf_hidden.reindex(out[code_column]).fillna(False).to_numpy(bool)
        labels = self.leaf_labels().reindex(out[code_column]).to_numpy(object)
        for col in count_columns:
            if col in out.columns:
                text = out[col].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}").astype(object)
                text[hidden] = labels[hidden]
                out[col] = text
        for col in derived_columns:
            if col in out.columns and col not in count_columns:
                out[col] = out[col].astype(object)
                out.loc[hidden, col] = None
        return out

    def summary(self) -> str:
        if not self.enabled:
            return self.policy.rule
        leaf = self.status[: self.n_leaves]
        return (f"{int((leaf == PRIMARY).sum()):,} area count(s) shown as \"{self.policy.label}\" and "
                f"{int((leaf == SECONDARY).sum()):,} as \"{SECONDARY_LABEL}\" (secondary), of {self.n_leaves:,}; "
                f"{int((self.status[self.n_leaves:] != SHOWN).sum()):,} totals or steps hidden.")


@dataclass
class TwoPeriodCounts:
    """Each area's counts in periods A and B, protected together with the totals they imply.

    The constraints: each area's A + B (its total over both periods), the A column's total, the
    B column's, and the grand total. Used by ``python -m analytics change``; the dashboard does
    not show per-area counts of two periods under suppression, since beside the totals its other
    pages show they would need a joint pattern with those pages.
    """

    count_a: pd.Series
    count_b: pd.Series
    policy: DisclosurePolicy

    def __post_init__(self):
        a = pd.to_numeric(self.count_a, errors="coerce").astype(float)
        b = pd.to_numeric(self.count_b, errors="coerce").reindex(a.index).astype(float)
        n = len(a)
        values = np.concatenate([a.to_numpy(), b.to_numpy(), (a + b).to_numpy(), [a.sum(), b.sum(), a.sum() + b.sum()]])
        sa, sb, g = 3 * n, 3 * n + 1, 3 * n + 2
        constraints = [Constraint(2 * n + i, np.array([i, n + i])) for i in range(n)]
        constraints += [Constraint(sa, np.arange(n)), Constraint(sb, np.arange(n, 2 * n)),
                        Constraint(g, np.array([sa, sb])), Constraint(g, np.arange(2 * n, 3 * n))]
        self.values, self.constraints, self.n = values, constraints, n
        self.index = a.index
        if self.policy.enabled:
            self.status = suppress(values, constraints, self.policy.threshold).status
        else:
            self.status = np.zeros(len(values), dtype=np.int8)

    def _labels(self, ids) -> pd.Series:
        return pd.Series([self.policy.label if self.status[i] == PRIMARY else SECONDARY_LABEL
                          if self.status[i] == SECONDARY else f"{self.values[i]:,.0f}" for i in ids])

    @property
    def labels_a(self) -> pd.Series:
        return self._labels(range(self.n)).set_axis(self.index)

    @property
    def labels_b(self) -> pd.Series:
        return self._labels(range(self.n, 2 * self.n)).set_axis(self.index)

    @property
    def hidden(self) -> pd.Series:
        """True where A or B is hidden: such an area's change is withheld and it is not tested."""
        return pd.Series((self.status[: self.n] != SHOWN) | (self.status[self.n: 2 * self.n] != SHOWN),
                         index=self.index)

    def total_label(self, period: str) -> str:
        return self._labels([{"A": 3 * self.n, "B": 3 * self.n + 1}[period]]).iloc[0]

    @property
    def totals_shown(self) -> bool:
        return bool(self.status[3 * self.n] == SHOWN and self.status[3 * self.n + 1] == SHOWN)


@dataclass
class ZoneSeries:
    """An impact evaluation's counts, protected together: each zone's count in each month, each zone's
    before and after totals, and, when the zones cover the whole area, each month's total over them
    that another view already shows (the Overview's months: ``month_totals_public``, True by month).

    ``series``: DataFrame indexed by month with one column per zone; ``windows``: "before" or "after"
    per month. ``stand_in`` holds the counts statistics may use (hidden ones estimated from what is
    shown); ``labels`` the counts as they may be shown.
    """

    series: pd.DataFrame
    windows: list[str]
    policy: DisclosurePolicy
    month_totals_public: pd.Series | None = None  # bool by month: the month's area total is shown elsewhere
    zones_cover_area: bool = False

    def __post_init__(self):
        s = self.series.fillna(0.0).astype(float)
        months, zones = list(s.index), list(s.columns)
        m, z = len(months), len(zones)
        cell = lambda mi, zi: mi * z + zi  # noqa: E731 - the cells' positions
        values = list(s.to_numpy().ravel())
        constraints, public = [], [False] * len(values)
        self.totals = {}
        for zi, zone in enumerate(zones):
            for window in ("before", "after"):
                parts = np.array([cell(mi, zi) for mi in range(m) if self.windows[mi] == window])
                self.totals[(zone, window)] = len(values)
                values.append(float(s.iloc[[i for i in range(m) if self.windows[i] == window], zi].sum()))
                public.append(False)
                constraints.append(Constraint(len(values) - 1, parts))
        if self.zones_cover_area and self.month_totals_public is not None:
            for mi, month in enumerate(months):  # only the months another view shows: an attacker knows those
                if not bool(self.month_totals_public.get(month, False)):
                    continue
                values.append(float(s.iloc[mi].sum()))
                public.append(True)
                constraints.append(Constraint(len(values) - 1, np.array([cell(mi, zi) for zi in range(z)])))
        self.values = np.asarray(values)
        self.constraints = constraints
        self.months, self.zones = months, zones
        if self.policy.enabled:
            result = suppress(self.values, constraints, self.policy.threshold, public=np.array(public))
            self.status = result.status
            est = stand_ins(self.values, self.status, constraints, self.policy.threshold)
        else:
            self.status = np.zeros(len(values), dtype=np.int8)
            est = self.values
        self.stand_in = pd.DataFrame(est[: m * z].reshape(m, z), index=s.index, columns=zones)
        self.labels = pd.DataFrame(np.array([self._label(i) for i in range(m * z)], dtype=object).reshape(m, z),
                                   index=s.index, columns=zones)

    def _label(self, i: int) -> str:
        return (self.policy.label if self.status[i] == PRIMARY else SECONDARY_LABEL if self.status[i] == SECONDARY
                else f"{self.values[i]:,.0f}")

    def total_label(self, zone: str, window: str) -> str:
        return self._label(self.totals[(zone, window)])

    def total_hidden(self, zone: str, window: str) -> bool:
        return bool(self.status[self.totals[(zone, window)]] != SHOWN)

    @property
    def any_total_hidden(self) -> bool:
        return any(self.status[i] != SHOWN for i in self.totals.values())


def protect_column(counts, policy: DisclosurePolicy, total_shown: bool = True) -> tuple[list[str], np.ndarray]:
    """Labels for one list of counts shown with (or without) its total: (labels, hidden mask).

    For small tables of their own: day × hour, clusters, streets. With ``total_shown`` the
    list is protected against its total as any group is.
    """
    values = np.asarray(counts, dtype=float)
    if not policy.enabled or not len(values):
        return [f"{v:,.0f}" for v in values], np.zeros(len(values), dtype=bool)
    allv = np.append(values, values.sum())
    constraints = [Constraint(len(values), np.arange(len(values)))] if total_shown else []
    status = suppress(allv, constraints, policy.threshold).status[: len(values)]
    labels = [policy.label if s == PRIMARY else SECONDARY_LABEL if s == SECONDARY else f"{v:,.0f}"
              for s, v in zip(status, values)]
    return labels, status != SHOWN
