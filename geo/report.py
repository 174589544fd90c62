"""Load reports: what was read, what was accepted, and every rejected row with its reason."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

# Reasons a row is rejected. One wording each, used everywhere (UI, command line, exports).
NO_COORDINATES = "no coordinates"
BAD_COORDINATES = "coordinates not numeric or out of range"
ZERO_COORDINATES = "(0,0) coordinates"
SWAPPED_COORDINATES = "latitude/longitude swapped"
OUTSIDE_STUDY_AREA = "outside the study area"
BAD_DATE = "unparseable date"
DUPLICATE_ID = "duplicate Crime ID"
UNKNOWN_CATEGORY = "unknown category"
POSTCODE_NOT_FOUND = "postcode not found"
BAD_WEIGHT = "weight not a positive number"
BAD_ROW = "wrong number of fields"

REJECT_COLUMNS = ["file", "row", "reason", "detail"]


@dataclass
class LoadReport:
    """What happened to every row of one load.

    ``rejected`` holds one row per rejected input row: the file, its row number in
    that file (header = row 1, as a spreadsheet shows it), the reason, a detail, and the row's raw values.
    ``notes`` are plain sentences about things that were kept but are worth knowing
    (codes that disagree with point-in-polygon, repaired polygons, assumed CRS).
    """

    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    accepted: int = 0
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    notes: list[str] = field(default_factory=list)

    @property
    def n_rejected(self) -> int:
        return len(self.rejected)

    def reject(self, rows: pd.DataFrame, reason: str, detail: str | pd.Series = "") -> None:
        """Record ``rows`` (which must carry ``file`` and ``row`` columns) as rejected."""
        if rows.empty:
            return
        out = rows.copy()
        out["reason"] = reason
        out["detail"] = detail
        front = [c for c in REJECT_COLUMNS if c in out.columns]
        out = out[front + [c for c in out.columns if c not in front]]
        frames = [f for f in (self.rejected, out) if not f.empty]
        self.rejected = pd.concat(frames, ignore_index=True) if len(frames) > 1 else out.reset_index(drop=True)

    def reason_counts(self) -> pd.Series:
        """Rejected rows per reason, largest first."""
        if self.rejected.empty:
            return pd.Series(dtype="int64", name="rows")
        return self.rejected["reason"].value_counts().rename("rows")

    def merge(self, other: "LoadReport") -> "LoadReport":
        """One report for two loads (for example several monthly files)."""
        frames = [f for f in (self.rejected, other.rejected) if not f.empty]
        rejected = pd.concat(frames, ignore_index=True) if frames else self.rejected
        return LoadReport(files=self.files + other.files, rows_read=self.rows_read + other.rows_read,
                          accepted=self.accepted + other.accepted, rejected=rejected,
                          notes=self.notes + other.notes)

    def summary(self) -> str:
        """One plain sentence: read, accepted, rejected by reason."""
        text = f"{self.rows_read:,} rows read, {self.accepted:,} accepted, {self.n_rejected:,} rejected"
        counts = self.reason_counts()
        if len(counts):
            text += " (" + "; ".join(f"{reason}: {n:,}" for reason, n in counts.items()) + ")"
        return text + "."

    def check_balanced(self) -> None:
        """Every row read is either accepted or rejected: nothing is lost silently."""
        if self.rows_read != self.accepted + self.n_rejected:
            raise AssertionError(
                f"load report does not balance: {self.rows_read} read != {self.accepted} accepted + "
                f"{self.n_rejected} rejected")


def merge_reports(reports: list[LoadReport]) -> LoadReport:
    """``reports[0].merge(reports[1]).merge(reports[2])…`` in one step (the rejected rows concatenated once)."""
    frames = [r.rejected for r in reports if not r.rejected.empty]
    return LoadReport(files=[f for r in reports for f in r.files], rows_read=sum(r.rows_read for r in reports),
                      accepted=sum(r.accepted for r in reports),
                      rejected=pd.concat(frames, ignore_index=True) if frames else reports[0].rejected,
                      notes=[n for r in reports for n in r.notes])
