"""Weighted displacement quotient and total net effect (Bowers & Johnson 2003).

T = target, B = buffer (the surrounding zone where crime could be displaced to),
C = comparison (control) zone; b = before, a = after the start::

    success measure  S = Ta/Ca - Tb/Cb          (negative: the target fell relative to C)
    buffer measure   D = Ba/Ca - Bb/Cb
    WDQ              = D / S

The WDQ is reported only when S < 0: with no relative fall in the target there
is nothing to displace (``reading`` then says so).  Reading (sign convention of
Bowers & Johnson, with a fall in the target)::

    WDQ > 1        diffusion of benefit greater than the direct effect
    0 < WDQ <= 1   some diffusion of benefit (the buffer fell too, relative to C)
    WDQ = 0        no displacement or diffusion
    -1 <= WDQ < 0  some displacement, smaller than the direct effect (a net benefit remains)
    WDQ < -1       displacement greater than the direct effect: the scheme did more harm than good

Total net effect, in incidents (positive = incidents prevented), expected
after-counts scaled by the comparison's change Ca/Cb::

    target part  = Tb * Ca/Cb - Ta
    buffer part  = Bb * Ca/Cb - Ba
    total        = target part + buffer part

The WDQ has no standard error; quote it with the buffer's own change against
the comparison (e.g. ``RelativeEffect(Bb, Ba, Cb, Ca)``) to show whether a
buffer change is more than chance.

Bowers, K.J. & Johnson, S.D. (2003) Measuring the geographical displacement and
diffusion of benefit effects of crime prevention activity. Journal of
Quantitative Criminology 19(3):275-301.
"""

from __future__ import annotations

import math

from ._impact_common import as_count, as_number, count_value

__all__ = ["WeightedDisplacementQuotient", "WDQ_BANDS", "fmt_wdq", "wdq_band"]

#: (key, words) for each reading band, from most beneficial to most harmful
WDQ_BANDS = (
    ("diffusion_greater", "diffusion of benefit greater than the direct effect"),
    ("diffusion", "some diffusion of benefit"),
    ("none", "no displacement or diffusion of benefit"),
    ("displacement_smaller", "some displacement, smaller than the direct effect"),
    ("displacement_greater", "displacement greater than the direct effect: the scheme did more harm than good"),
)

NO_FALL = "There was no relative fall in the target to displace, so the WDQ is not reported."
NO_BUFFER = "No buffer zone was defined, so displacement was not assessed."


def fmt_wdq(wdq: float) -> str:
    """Two decimals, without a '-0.00'."""
    text = f"{wdq:.2f}"
    return "0.00" if text == "-0.00" else text


def wdq_band(wdq: float) -> tuple[str, str]:
    """(key, words) of the band a WDQ value falls in; |WDQ| < 1e-12 counts as 0."""
    if not math.isfinite(wdq):
        raise ValueError(f"wdq must be a finite number, got {wdq!r}")
    bands = dict(WDQ_BANDS)
    if abs(wdq) < 1e-12:
        key = "none"
    elif wdq > 1:
        key = "diffusion_greater"
    elif wdq > 0:
        key = "diffusion"
    elif wdq >= -1:
        key = "displacement_smaller"
    else:
        key = "displacement_greater"
    return key, bands[key]


class WeightedDisplacementQuotient:
    """WDQ and total net effect for target, buffer and comparison counts before and after.

    Parameters
    ----------
    target_before, target_after, buffer_before, buffer_after, comparison_before, comparison_after :
        incident counts.  Pass ``buffer_before=buffer_after=None`` when there is no buffer:
        the WDQ is then not assessed and the total net effect is the target part alone.

    Attributes
    ----------
    success_measure : Ta/Ca - Tb/Cb
    buffer_measure : Ba/Ca - Bb/Cb (None without a buffer)
    wdq : buffer_measure / success_measure, or None when not reported
    reported : the WDQ was reported (a buffer exists and success_measure < 0)
    band, band_words : reading band key and words (None when not reported)
    reading : e.g. "WDQ 0.31: some diffusion of benefit", or the sentence saying why there is none
    expected_target_after, expected_buffer_after : Tb*Ca/Cb, Bb*Ca/Cb
    target_net_effect, buffer_net_effect, total_net_effect : incidents prevented (negative = extra incidents)
    """

    def __init__(self, target_before, target_after, buffer_before, buffer_after, comparison_before, comparison_after):
        Tb = count_value(target_before, "target_before")
        Ta = count_value(target_after, "target_after")
        Cb = count_value(comparison_before, "comparison_before")
        Ca = count_value(comparison_after, "comparison_after")
        if (buffer_before is None) != (buffer_after is None):
            raise ValueError("pass both buffer_before and buffer_after, or neither (None) when there is no buffer")
        has_buffer = buffer_before is not None
        Bb = count_value(buffer_before, "buffer_before") if has_buffer else None
        Ba = count_value(buffer_after, "buffer_after") if has_buffer else None
        if Cb == 0 or Ca == 0:
            when = "before" if Cb == 0 else "after"
            raise ValueError(f"the comparison zone has no incidents {when} the start, so the WDQ is undefined; "
                             "choose a larger comparison")
        self.target_before, self.target_after = Tb, Ta
        self.buffer_before, self.buffer_after = Bb, Ba
        self.comparison_before, self.comparison_after = Cb, Ca
        self.has_buffer = has_buffer

        self.success_measure = Ta / Ca - Tb / Cb
        self.buffer_measure = Ba / Ca - Bb / Cb if has_buffer else None
        trend = Ca / Cb
        self.expected_target_after = Tb * trend
        self.target_net_effect = self.expected_target_after - Ta
        if has_buffer:
            self.expected_buffer_after = Bb * trend
            self.buffer_net_effect = self.expected_buffer_after - Ba
            self.total_net_effect = self.target_net_effect + self.buffer_net_effect
        else:
            self.expected_buffer_after = self.buffer_net_effect = None
            self.total_net_effect = self.target_net_effect

        self.wdq = self.band = self.band_words = None
        self.reported = has_buffer and self.success_measure < 0
        if not has_buffer:
            self.reading = NO_BUFFER
        elif not self.success_measure < 0:
            self.reading = NO_FALL
        else:
            self.wdq = self.buffer_measure / self.success_measure
            self.band, self.band_words = wdq_band(self.wdq)
            self.reading = f"WDQ {fmt_wdq(self.wdq)}: {self.band_words}"

    def to_dict(self) -> dict:
        out = {k: as_count(getattr(self, k)) for k in (
            "target_before", "target_after", "buffer_before", "buffer_after", "comparison_before", "comparison_after")}
        for k in ("success_measure", "buffer_measure", "wdq", "expected_target_after", "expected_buffer_after",
                  "target_net_effect", "buffer_net_effect", "total_net_effect"):
            out[k] = as_number(getattr(self, k))
        out.update(reported=bool(self.reported), band=self.band, reading=self.reading)
        return out

    def __repr__(self) -> str:
        w = "None" if self.wdq is None else f"{self.wdq:.3f}"
        return f"WeightedDisplacementQuotient(wdq={w}, band={self.band}, total_net_effect={self.total_net_effect:.1f})"
