"""Plain-English notes for the Data & method page."""

from analytics.emerging import PATTERN_RULES

METHOD_NOTES = [
    ("What a \"95 % hot spot\" means", """
A **hot spot** is an LSOA whose neighbourhood — the LSOA and the LSOAs touching it — holds more violence than
chance would put there if incidents were spread at random across the area (Getis-Ord **Gi\\***). "95 %" means
that a pattern this strong would arise by chance less than 5 times in 100. It does **not** mean 95 % of the
violence is there, and a hot spot can include a quiet LSOA next to very busy ones. **Cold spots** are the
opposite: clusters of low values. **Local Moran's I** asks a different question — is an LSOA like its
neighbours (high among high, low among low) or an outlier (high among low)?
"""),
    ("Many tests at once", """
With 1,719 LSOAs tested, about 172 would be "90 % hot or cold spots" by chance alone. The dashboard therefore
controls the **false discovery rate** (Benjamini–Hochberg) by default: among the areas flagged at 95 %, no more
than about 5 % are expected to be false alarms. Switching it off (Method parameters) flags more areas, many
of them by chance. Gi\\* classes use the analytic z-score's two-sided p-value (as ArcGIS does); the permutation
p-value (999 random reshuffles, seeded so runs repeat) is shown beside it as a check.
"""),
    ("The modifiable areal unit problem", """
Counts depend on the lines drawn: the same incidents summed over LSOAs, wards or a 150 m grid give different
pictures, and a hot spot can appear or vanish when boundaries move. Compare the LSOA map with the grid and
kernel-density maps before acting on a single area, and prefer patterns that persist across them.
"""),
    ("police.uk locations are approximate", """
police.uk moves every incident to the nearest of a fixed set of **anchor points** (a street segment, a public
place) so that victims cannot be identified; many incidents share a point, and about 5 % land in a different
LSOA from where they happened. Grid cells, DBSCAN radii and kernel bandwidths smaller than the spacing of those
points (tens of metres in a city centre, more elsewhere) show the anchors, not the streets. About 9 % of
violence records have no location at all and cannot be mapped; loads report how many.
"""),
    ("Which area an incident is counted in", """
Each incident is placed by **point-in-polygon** in British National Grid: it counts in the area whose polygon
holds it (on an edge shared by two areas, the first of them in the boundary file). The LSOA code a file supplies
is only compared. An incident **beyond the outer edge** of the boundaries is outside the study area: it is
counted as outside and reported, never given to the nearest area, which would inflate the border areas that a
hot-spot map highlights. Only a point in a **gap between** neighbouring polygons (a sliver left by generalised
boundaries) may go to the nearest area, within the boundary set's snap tolerance (250 m for the bundled LSOAs,
which have no such gaps; none for your own boundaries unless `--snap-m` asks for it); every load says how many
points were inside, snapped (and how far at most) and outside.
"""),
    ("Small numbers in health data", """
Emergency-department and ambulance data, and any data marked sensitive, are shown with **small-number
suppression**, always: counts from 1 to 4 show as **"<5"**. Where a total is shown beside its parts (an LSOA's
count in its ward's and authority's totals, a month's in the period's), more counts are hidden until none can
be worked out from the totals and no group of hidden counts adds up to a small number; those show as **"*"**
(they can be large). One pattern serves every page and export, whichever area is chosen. Hot spots, local
Moran, ranks, shares and the Gini are computed on the counts **as shown**, each hidden count replaced by an
estimate made from what is shown alone, so no published figure reveals a hidden count; the rate, share and rank
of a hidden area are withheld. Kernel density, cluster outlines and incident points are not shown, since each
can place a single incident; a custom list of LSOAs shows its total only when none of them is hidden; the day ×
hour table is shown for the whole area only. Changing the months and subtracting one period's totals from
another's is not protected against: share outputs for agreed periods.
"""),
    ("Is it changing? Emerging hot spots", """
The **Trends** page (and `python -m analytics emerging`) counts incidents per area and month (a space-time
cube, every area and every month, zeros included), computes **Getis-Ord Gi\\*** for each area in each month over
the area, its neighbours, and the same areas in the previous month (the time window), corrects for testing
thousands of area-months at once (false discovery rate), and tests each area's run of z-scores for a trend
(**Mann-Kendall**). Each area then gets one of ArcGIS Pro's seventeen patterns:

""" + PATTERN_RULES + """

With fewer than 4 months the analysis is refused; with fewer than 10 it runs, but the trend test has little
power. For health or sensitive data under small-number suppression it is not shown: it needs every area's
count in every month.
"""),
    ("Change between two periods", """
Counts in each area in period A and period B are compared **per day** (a 28-day February is not a fall on a
31-day January): the rate ratio, its 95 % confidence interval and a p-value. Monthly violence counts vary more
than chance alone would make them (here about three to four times the Poisson variance), so when the months show
it the test is **quasi-Poisson** (its variance scaled by that dispersion); otherwise the **exact conditional
test**. Across areas the false discovery rate is controlled, and each area reads "significantly up", "significantly
down" or "no evidence of change". The Overview's "change on the previous period" uses the same test.
"""),
    ("Rates and small populations", """
Rates are per 1,000 residents (ONS mid-2020 estimates, converted from 2011 to 2021 LSOAs), and per 1,000 aged
under 25. Residents are not the population at risk in a city centre, where visitors outnumber them: a city-centre
LSOA's rate can be very high for that reason. Empirical-Bayes smoothed rates (in exports) pull small-population
rates towards the average to reduce noise.
"""),
    ("What the bundled data can and cannot show", """
* **Every West Midlands LSOA**: violence comes from the **IoD2025 indicators** — police-recorded violence with and
  without injury, as rates per 1,000 at-risk population, for one period. Counts shown for it are **estimates**
  (rate × population). There are no months, so no trends, and no points, so no grids, densities or clusters.
* **Incident points**: real police.uk records exist here only for **Birmingham city centre (a 1-mile radius),
  January–November 2017**, from the police.uk API; the source dropped records at 6 snap points with no postcode.
  Only the 33 LSOAs that data covers are analysed.
* **Your own data**: load force-wide police.uk months (CSV or the archive zip) and partner extracts (ED ISTV,
  ambulance) with the loaders or the command line (`python -m analytics ingest`).
* **Schools**: locations are postcode centroids (2017/18 list); absence is 2018/19; exclusions are by local
  authority only (2016/17). **Substance misuse** is by local authority only (ONS Health Index).
"""),
    ("Associations are not causes", """
Risk-factor charts show how violence and a factor vary together across areas. They do not show that the
factor causes violence, and a link between areas need not hold for the people in them (the ecological fallacy).
The overall IMD includes a Crime domain, so its link with violence is partly circular.
"""),
]
