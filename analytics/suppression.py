"""Cell suppression on linked tables: which counts to hide so that none from 1 to t-1 can be worked out.

A view (a page, an export) shows **cells** (counts per area, per month, per hour…) and **totals**
(a ward's, an authority's, the whole area's, a month's). Every shown total is a linear
constraint ``total = sum(parts)`` that an attacker can combine with the cells shown. Here both
are *variables* of one system, and each constraint names its total variable and its part
variables, so a total can itself be a part of a larger total (a ward in an authority) and a
cell can be a part of several totals (an LSOA-month in the LSOA's period total and in the
ward's month total).

**Primary suppression.** Every variable (cell or total) from 1 to ``threshold - 1`` is hidden
(labelled "<t"). Zero is shown: it reveals no person.

**What an attacker knows** about a hidden variable: a primary one lies in ``[1, t-1]``; a
secondary one (hidden only to protect others, labelled "*", never "<t", since it may be large)
is ``0`` or at least ``t``. Shown variables are known exactly.

**Protection of one constraint.** Move the shown variables to the right-hand side: the hidden
ones satisfy ``sum(hidden parts) - [hidden total] = K``. The constraint is protected when every
hidden variable in it still has at least two feasible values given that equation and the
domains above (worked out exactly with interval arithmetic: the sum of p primaries is
``[p, p(t-1)]``, of s secondaries ``{0} ∪ [t, ∞)``), and, when the total is shown, the hidden
parts together hold at least ``t`` (so a group of hidden cells never reveals a small number
either: [1, 1, 50] with its total leaves both 1s determined; [2, 1, 50] leaves "these two hold 3").

**Secondary suppression.** While a constraint is not protected, hide one more of its shown
variables — the smallest non-zero part, else a zero part, else the total — and re-check every
constraint that variable is in (a work list, so large tables cost one pass plus the changes).

Then the constraints are chained as an attacker would (interval propagation, :func:`propagate`)
and more is hidden wherever the chain pins a hidden value; that is still not a proof against
every combination of many constraints. ``tests/analytics`` attacks
the results with an integer program over *all* the constraints a view shows and finds more than
one answer for every hidden cell on the structures the dashboard uses.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

SHOWN, PRIMARY, SECONDARY = 0, 1, 2
INF = float("inf")

__all__ = ["SHOWN", "PRIMARY", "SECONDARY", "Constraint", "Suppression", "suppress", "stand_ins"]


@dataclass(frozen=True)
class Constraint:
    """``values[total] == values[parts].sum()``: a total shown (or derivable) beside its parts."""

    total: int
    parts: np.ndarray  # int indices


@dataclass
class Suppression:
    """The outcome: ``status`` per variable (SHOWN, PRIMARY or SECONDARY) and how many of each."""

    status: np.ndarray  # int8
    threshold: int
    unprotectable: list[int]  # constraints no further hiding could protect (should stay empty)

    @property
    def hidden(self) -> np.ndarray:
        return self.status != SHOWN

    @property
    def n_primary(self) -> int:
        return int((self.status == PRIMARY).sum())

    @property
    def n_secondary(self) -> int:
        return int((self.status == SECONDARY).sum())


# ------------------------------------------------------------------------------ interval sets
# A set of integers as a sorted list of disjoint closed intervals (lo, hi); hi may be INF.

def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(a, b) for a, b in out]


def _add(a, b):
    return _merge([(x0 + y0, x1 + y1) for x0, x1 in a for y0, y1 in b])


def _neg(a):
    return _merge([(-hi, -lo) for lo, hi in a])


def _shift(a, k: float):
    return [(lo + k, hi + k) for lo, hi in a]


def _intersect(a, b):
    out = []
    for x0, x1 in a:
        for y0, y1 in b:
            lo, hi = max(x0, y0), min(x1, y1)
            if lo <= hi:
                out.append((lo, hi))
    return _merge(out)


def _more_than_one(a) -> bool:
    return len(a) > 1 or (len(a) == 1 and a[0][1] > a[0][0])


def _domain(status: int, threshold: int):
    if status == PRIMARY:
        return [(1.0, threshold - 1.0)]
    return [(0.0, 0.0), (float(threshold), INF)]


def _sum_of(n_primary: int, n_secondary: int, threshold: int):
    """The possible sums of ``n_primary`` primary and ``n_secondary`` secondary hidden values."""
    out = [(float(n_primary), float(n_primary * (threshold - 1)))]
    if n_secondary:
        out = _add(out, [(0.0, 0.0), (float(threshold), INF)])
    return out


def _feasible(values: np.ndarray, status: np.ndarray, c: Constraint, threshold: int, kind) -> list:
    """The feasible values, under constraint ``c`` alone, of a hidden part of ``kind`` (PRIMARY or
    SECONDARY) or, with ``kind="total"``, of the hidden total."""
    parts_status = status[c.parts]
    total_hidden = status[c.total] != SHOWN
    # sum(hidden parts) - [hidden total] = K
    k = (0.0 if total_hidden else float(values[c.total])) - float(values[c.parts][parts_status == SHOWN].sum())
    n_p = int((parts_status == PRIMARY).sum())
    n_s = int((parts_status == SECONDARY).sum())
    total_dom = _domain(int(status[c.total]), threshold) if total_hidden else [(0.0, 0.0)]
    if kind == "total":  # total = (hidden parts) - K
        return _intersect(total_dom, _shift(_sum_of(n_p, n_s, threshold), -k))
    # a hidden part x = K + total - (the other hidden parts)
    others = _sum_of(n_p - (kind == PRIMARY), n_s - (kind == SECONDARY), threshold)
    return _intersect(_domain(kind, threshold), _add(_shift(total_dom, k), _neg(others)))


def _protected(values: np.ndarray, status: np.ndarray, c: Constraint, threshold: int) -> bool:
    parts_status = status[c.parts]
    total_hidden = status[c.total] != SHOWN
    if not total_hidden and not (parts_status != SHOWN).any():
        return True
    if not total_hidden and (parts_status == PRIMARY).any():
        hidden_sum = float(values[c.total]) - float(values[c.parts][parts_status == SHOWN].sum())
        if hidden_sum < threshold:
            return False  # the hidden parts together would be a small number
    kinds = [k for k in (PRIMARY, SECONDARY) if (parts_status == k).any()] + (["total"] if total_hidden else [])
    return all(_more_than_one(_feasible(values, status, c, threshold, k)) for k in kinds)


def _candidates(values: np.ndarray, status: np.ndarray, c: Constraint) -> list[int]:
    """Shown members in the order to try: non-zero parts by size, then zero parts, then the total."""
    shown = c.parts[status[c.parts] == SHOWN]
    order = shown[np.lexsort((shown, values[shown] == 0, values[shown]))] if len(shown) else shown
    nonzero = [int(v) for v in order if values[v] > 0]
    zeros = [int(v) for v in order if values[v] == 0]
    return nonzero + zeros + ([int(c.total)] if status[c.total] == SHOWN else [])


def _next_to_hide(values: np.ndarray, status: np.ndarray, c: Constraint, threshold: int,
                  locked: np.ndarray) -> int | None:
    """The member to hide next: the first candidate that, once hidden, is not itself pinned by this
    constraint (a zero hidden beside a small total could only be 0, since "*" is never 1 to t-1:
    hiding it would protect nothing); failing that, the first candidate. Values public elsewhere
    (``locked``) are never candidates."""
    candidates = [v for v in _candidates(values, status, c) if not locked[v]]
    for v in candidates:
        status[v] = SECONDARY
        pinned = not _member_free(values, status, c, v, threshold)
        status[v] = SHOWN
        if not pinned:
            return v
    return candidates[0] if candidates else None


def _member_free(values: np.ndarray, status: np.ndarray, c: Constraint, var: int, threshold: int) -> bool:
    """Whether hidden ``var`` has at least two feasible values in constraint ``c`` alone."""
    kind = "total" if var == c.total else int(status[var])
    return _more_than_one(_feasible(values, status, c, threshold, kind))


def _cap(a, most: int = 8):
    """At most ``most`` intervals: beyond that, their hull (a looser set, so checks stay conservative)."""
    return a if len(a) <= most else [(a[0][0], a[-1][1])]


def propagate(values, status: np.ndarray, constraints: list[Constraint], threshold: int,
              rounds: int = 30) -> dict[int, list]:
    """What an attacker can narrow each hidden variable down to by chaining the constraints.

    Every hidden variable starts at its label's domain; each constraint in turn narrows each of
    its hidden members to what the others' current sets allow, until nothing changes. This finds
    what one constraint alone cannot (a ward total pinned by its authority's total and the other
    wards'), and is what :func:`suppress` re-checks after its local pass.
    """
    values = np.asarray(values, dtype=float)
    dom = {int(v): _domain(int(status[v]), threshold) for v in np.flatnonzero(status != SHOWN)}
    work = []
    for c in constraints:
        members = [(int(p), 1) for p in c.parts if status[p] != SHOWN]
        if status[c.total] != SHOWN:
            members.append((int(c.total), -1))
        if not members:
            continue
        k = (0.0 if status[c.total] != SHOWN else float(values[c.total])) - float(
            values[c.parts][status[c.parts] == SHOWN].sum())
        work.append((members, k))
    for _ in range(rounds):
        changed = False
        for members, k in work:
            signed = [dom[v] if sign > 0 else _neg(dom[v]) for v, sign in members]
            prefix = [[(0.0, 0.0)]]
            for d in signed[:-1]:
                prefix.append(_cap(_add(prefix[-1], d)))
            suffix = [(0.0, 0.0)]
            for i in range(len(signed) - 1, -1, -1):
                v, sign = members[i]
                others = _cap(_add(prefix[i], suffix))
                # sign * x = K - others
                allowed = _shift(_neg(others), k)
                allowed = allowed if sign > 0 else _neg(allowed)
                new = _intersect(dom[v], allowed)
                if new and new != dom[v]:
                    dom[v] = new
                    changed = True
                suffix = _cap(_add(suffix, signed[i]))
        if not changed:
            break
    return dom


def suppress(values, constraints: list[Constraint], threshold: int, max_rounds: int = 200,
             public=None) -> Suppression:
    """Primary and secondary suppression of ``values`` (non-negative counts) under ``constraints``.

    ``public``: optional mask of values another view already shows; they are never hidden here (a
    constraint that could only be protected by hiding one is reported in ``unprotectable``).

    A work list protects each constraint on its own (see the module docstring); then
    :func:`propagate` chains the constraints as an attacker would, and wherever that pins a hidden
    variable to one value, one more member of a constraint it is in is hidden and the whole
    check runs again.
    """
    values = np.asarray(values, dtype=float)
    if threshold < 2:
        raise ValueError("the suppression threshold must be at least 2 (e.g. 5)")
    if (values < 0).any() or not np.isfinite(values).all():
        raise ValueError("suppression needs non-negative, finite counts")
    status = np.where((values > 0) & (values < threshold), PRIMARY, SHOWN).astype(np.int8)
    locked = np.zeros(len(values), dtype=bool) if public is None else np.asarray(public, dtype=bool) & (status == SHOWN)
    member_of: dict[int, list[int]] = {}
    for ci, c in enumerate(constraints):
        for v in (c.total, *c.parts.tolist()):
            member_of.setdefault(int(v), []).append(ci)
    unprotectable: set[int] = set()
    queue = deque(range(len(constraints)))
    queued = np.ones(len(constraints), dtype=bool)

    def hide(victim: int) -> None:
        status[victim] = SECONDARY
        for other in member_of.get(victim, ()):
            if not queued[other]:
                queue.append(other)
                queued[other] = True

    for _ in range(max_rounds):
        while queue:
            ci = queue.popleft()
            queued[ci] = False
            c = constraints[ci]
            if _protected(values, status, c, threshold):
                continue
            victim = _next_to_hide(values, status, c, threshold, locked)
            if victim is None:
                unprotectable.add(ci)
                continue
            hide(victim)
        pinned = [v for v, d in propagate(values, status, constraints, threshold).items()
                  if not _more_than_one(d)]
        if not pinned:
            break
        progressed = False
        for v in pinned:
            for ci in member_of.get(v, ()):
                victim = _next_to_hide(values, status, constraints[ci], threshold, locked)
                if victim is not None:
                    hide(victim)
                    progressed = True
                    break
        if not progressed:
            unprotectable.update(ci for v in pinned for ci in member_of.get(v, ()))
            break
    return Suppression(status, int(threshold), sorted(unprotectable))


def stand_ins(values, status: np.ndarray, constraints: list[Constraint], threshold: int,
              iterations: int = 100) -> np.ndarray:
    """Values in which every hidden variable is replaced by an estimate made from what is shown only.

    Statistics computed on these (Gi*, local Moran, ranks, shares, Gini) cannot reveal a hidden
    count: the estimates are a function of the shown values and of the pattern of hidden cells
    alone. Start: a primary at the middle of ``[1, t-1]``, a secondary at ``t``. Then, over the
    constraints in turn, the unexplained remainder ``total - sum(parts)`` is shared equally
    among the constraint's hidden members (each hidden part moves up by the share, a hidden
    total down by it), staying within their domains; repeated until nothing moves. With one
    shown total, every hidden cell ends at the hidden remainder divided by their number.
    """
    values = np.asarray(values, dtype=float)
    shown = status == SHOWN
    est = np.where(shown, values, np.where(status == PRIMARY, threshold / 2.0, float(threshold)))
    lower = np.where(status == PRIMARY, 1.0, 0.0)
    upper = np.where(status == PRIMARY, threshold - 1.0, INF)
    work = []
    for c in constraints:
        h = c.parts[~shown[c.parts]]
        if len(h) or not shown[c.total]:
            work.append((c, h, 0 if shown[c.total] else 1))
    for _ in range(iterations):
        change = 0.0
        for c, h, total_moves in work:
            remainder = est[c.total] - est[c.parts].sum()
            if abs(remainder) < 1e-9:
                continue
            d = remainder / (len(h) + total_moves)
            if len(h):
                new = np.clip(est[h] + d, lower[h], upper[h])
                change = max(change, float(np.abs(new - est[h]).max()))
                est[h] = new
            if total_moves:
                new_total = est[c.parts].sum() if not len(h) else float(np.clip(est[c.total] - d, lower[c.total],
                                                                                 upper[c.total]))
                change = max(change, abs(new_total - est[c.total]))
                est[c.total] = new_total
        if change < 1e-6:
            break
    return est
