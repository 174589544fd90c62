"""The attacker: work out hidden counts exactly from everything a view shows (an integer program).

Used by the disclosure tests as the independent check of :mod:`analytics.suppression`: for each
hidden variable, the smallest and largest value consistent with every shown cell, every shown
total and what the labels say (a "<t" cell is 1 to t-1; a "*" cell is 0 or at least t). A
hidden cell is *recovered* when its smallest and largest feasible values are equal.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from analytics.suppression import PRIMARY, SECONDARY, SHOWN


def feasible_ranges(values, status, constraints, threshold: int, upper: float | None = None) -> dict[int, tuple]:
    """{hidden variable: (min, max)} over integer solutions of all the constraints."""
    values = np.asarray(values, dtype=float)
    status = np.asarray(status)
    hidden = np.flatnonzero(status != SHOWN)
    if not len(hidden):
        return {}
    big = float(upper if upper is not None else max(values.sum(), threshold) * 2 + 10)
    pos = {int(v): i for i, v in enumerate(hidden)}
    secondaries = [int(v) for v in hidden if status[v] == SECONDARY]
    bpos = {v: len(hidden) + j for j, v in enumerate(secondaries)}
    n = len(hidden) + len(secondaries)
    rows, lo, hi = [], [], []
    for c in constraints:
        row = np.zeros(n)
        const = 0.0
        for v, sign in [(int(c.total), -1.0)] + [(int(p), 1.0) for p in c.parts]:
            if status[v] == SHOWN:
                const += sign * values[v]
            else:
                row[pos[v]] += sign
        if not row.any():
            continue
        rows.append(row)
        lo.append(-const)
        hi.append(-const)
    lb = np.zeros(n)
    ub = np.ones(n)
    for v in hidden:
        i = pos[int(v)]
        if status[v] == PRIMARY:
            lb[i], ub[i] = 1, threshold - 1
        else:
            lb[i], ub[i] = 0, big
    for v, j in bpos.items():  # secondary: t*b <= x <= big*b
        r1 = np.zeros(n); r1[pos[v]] = 1; r1[j] = -threshold
        r2 = np.zeros(n); r2[pos[v]] = 1; r2[j] = -big
        rows += [r1, r2]
        lo += [0, -np.inf]
        hi += [np.inf, 0]
    cons = [LinearConstraint(np.array(rows), lo, hi)] if rows else []
    integrality = np.ones(n)
    out = {}
    for v in hidden:
        i = pos[int(v)]
        ends = []
        for sign in (1.0, -1.0):
            cost = np.zeros(n); cost[i] = sign
            res = milp(cost, constraints=cons, integrality=integrality, bounds=Bounds(lb, ub))
            assert res.status == 0, f"the attack found no solution: {res.message}"
            ends.append(round(sign * res.fun))
        out[int(v)] = (ends[0], ends[1])
    return out


def recovered(values, status, constraints, threshold: int) -> list[int]:
    """Hidden variables the attacker pins to one value."""
    return [v for v, (a, b) in feasible_ranges(values, status, constraints, threshold).items() if a == b]
