"""``python -m analytics concentration``: how concentrated incidents are across areas (Lorenz, Gini, top shares).

With small-number suppression on, the figures are computed on the counts as shown (hidden ones
estimated from what is shown) and a hidden total is printed as its label.
"""

from __future__ import annotations

import json

from analytics.commands import common as C

HELP = "how concentrated incidents are across areas"


def add_parser(sub) -> None:
    p = sub.add_parser("concentration", help=HELP)
    C.add_area_options(p)
    p.add_argument("--json", action="store_true", help="print Lorenz points, Gini and top shares as JSON")
    p.add_argument("--unit", help='what the areas are called in the sentence (default: LSOA for LSOA boundaries, '
                   'else "area")')
    p.add_argument("--area-name", help='how the whole area is called (default: the study area\'s name)')


def check(args) -> None:
    C.check_incident_options(args)
    C.check_values_options(args)


def run(args, say: C.Progress) -> int:
    from analytics.concentration import Concentration, gini_line, top_share_lines
    from analytics.disclosure import ProtectedCounts

    area = C.study_area(args, say)
    if args.values:
        values, _ = C.read_values(args, area.areas)
        policy, what = C.disclosure_policy(args, None, say), args.value_column
    else:
        loaded = C.load_incidents(args, say)
        values, _ = C.count_in_areas(loaded, area, args, say)
        policy, what = C.disclosure_policy(args, loaded, say), "recorded incidents"
    total_text = None
    if policy.enabled:
        protected = ProtectedCounts(values, None, None, policy)
        say(protected.summary())
        total_text = protected.total_label()
        values = protected.statistics_values()
    conc = Concentration(values.to_numpy(float), unit=args.unit or area.unit, what=what,
                         area_name=args.area_name or area.name)
    if args.json:
        out = conc.to_dict()
        if total_text is not None:
            out["n_incidents"] = total_text if not total_text.replace(",", "").isdigit() else out["n_incidents"]
            out["statistics_after_suppression"] = ("computed on the counts as shown, hidden counts estimated from "
                                                   "what is shown")
        out.update(policy.metadata())
        print(json.dumps(out, indent=2, allow_nan=False))
    else:
        if policy.unsuppressed:
            print(policy.metadata()["WARNING"])
        print(conc.sentence)
        print(gini_line(conc))
        for line in top_share_lines(conc):
            print(line)
        if policy.enabled:
            print(policy.rule)
    return 0
