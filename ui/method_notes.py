"""Plain-English notes for the Data & method page."""

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
