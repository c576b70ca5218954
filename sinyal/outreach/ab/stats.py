"""The statistics of an A/B test on a conversion rate: one function, ``analyze``.

Frequentist and Bayesian views side by side, because marketing asks both "is it real?" and
"what do we risk by switching?":

- rate with a 95% Wilson score interval (statsmodels),
- two-sided two-proportion z-test against control with pooled variance (statsmodels),
- P(rate > control rate) and expected loss under Beta(1, 1) priors (scipy, by quadrature:
  exact to ~1e-9 where Monte Carlo would wobble in the third digit),
- a sample-ratio-mismatch check: chi-square of exposures against the configured split (scipy),
- the sample per arm a fixed-horizon test needs for a minimum detectable effect (statsmodels).

The verdict is fixed-horizon: no winner is named before every arm has the planned sample, so
looking at the report early is harmless (nothing is decided on an early look). Once the plan is
reached, treatments are compared with control at ``alpha`` after a Holm correction across
treatments, so three variants do not get three chances at a false positive.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from scipy import integrate, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

#: Below this SRM p-value the split is broken and no result is trusted (GrowthBook's cut-off).
SRM_THRESHOLD = 0.001
_TAIL = 1e-12  # posterior mass ignored at each end when integrating


@dataclass(frozen=True)
class Arm:
    """One variant's counts; ``weight`` is its configured share of traffic (any scale)."""

    name: str
    exposures: int
    conversions: int
    weight: float = 1.0

    def __post_init__(self) -> None:
        if self.exposures < 0 or self.conversions < 0:
            raise ValueError(f"{self.name}: counts cannot be negative")
        if self.conversions > self.exposures:
            raise ValueError(f"{self.name}: more conversions than exposures")
        if not self.weight > 0:
            raise ValueError(f"{self.name}: weight must be positive")

    @property
    def rate(self) -> float | None:
        return self.conversions / self.exposures if self.exposures else None

    def posterior(self) -> stats.rv_continuous:
        return stats.beta(1 + self.conversions, 1 + self.exposures - self.conversions)


@dataclass(frozen=True)
class Plan:
    """The test as planned before it started: what effect matters and how sure to be."""

    mde: float = 0.2  # minimum detectable effect, relative to the baseline rate (0.2 = +20%)
    alpha: float = 0.05
    power: float = 0.8
    baseline_rate: float | None = None  # None: use control's observed rate

    def __post_init__(self) -> None:
        if not 0 < self.mde <= 10:
            raise ValueError("mde must be a relative lift in (0, 10], e.g. 0.2 for +20%")
        if not 0 < self.alpha < 1 or not 0 < self.power < 1:
            raise ValueError("alpha and power must be between 0 and 1")
        if self.baseline_rate is not None and not 0 < self.baseline_rate < 1:
            raise ValueError("baseline rate must be between 0 and 1")


class Verdict(StrEnum):
    KEEP_RUNNING = "keep_running"
    SAMPLE_RATIO_MISMATCH = "sample_ratio_mismatch"
    WINNER = "winner"
    NO_DIFFERENCE = "no_difference"


@dataclass(frozen=True)
class ArmResult:
    variant: str
    exposures: int
    conversions: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None  # None for control
    prob_beat_control: float | None  # None for control
    expected_loss: float


@dataclass(frozen=True)
class Analysis:
    variants: list[ArmResult]
    srm_p_value: float | None
    verdict: Verdict
    winner: str | None
    reason: str
    planned_per_arm: int | None
    plan: Plan = field(default_factory=Plan)

    @property
    def still_needed_per_arm(self) -> int | None:
        """Exposures the smallest arm still lacks before the verdict may name a winner."""
        if self.planned_per_arm is None:
            return None
        return max(0, self.planned_per_arm - min(v.exposures for v in self.variants))

    def as_dict(self) -> dict[str, object]:
        return {
            "variants": [vars(v) for v in self.variants],
            "srm_p_value": self.srm_p_value,
            "verdict": self.verdict.value,
            "winner": self.winner,
            "reason": self.reason,
            "planned_per_arm": self.planned_per_arm,
            "still_needed_per_arm": self.still_needed_per_arm,
            "plan": vars(self.plan),
            "method": "fixed-horizon two-proportion z-test, Holm-adjusted across treatments",
        }


def wilson_interval(arm: Arm, alpha: float = 0.05) -> tuple[float | None, float | None]:
    if arm.exposures == 0:
        return None, None
    low, high = proportion_confint(arm.conversions, arm.exposures, alpha=alpha, method="wilson")
    # Rounding leaves e.g. 3e-17 as the lower end at zero conversions; the interval holds the rate.
    rate = arm.conversions / arm.exposures
    return min(float(low), rate), max(float(high), rate)


def z_test_p_value(treatment: Arm, control: Arm) -> float | None:
    """Two-sided pooled two-proportion z-test; None when an arm has no exposures."""
    if treatment.exposures == 0 or control.exposures == 0:
        return None
    pooled = (treatment.conversions + control.conversions) / (
        treatment.exposures + control.exposures
    )
    if pooled in (0.0, 1.0):
        return 1.0  # both arms all-or-nothing alike: z = 0 in the limit, no evidence of a gap
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _, p_value = proportions_ztest(
            [treatment.conversions, control.conversions], [treatment.exposures, control.exposures]
        )
    return float(p_value)


def _support(*arms: Arm) -> tuple[float, float]:
    """Where the posteriors of ``arms`` hold all but ~1e-12 of their mass."""
    lows = [float(a.posterior().ppf(_TAIL)) for a in arms]
    highs = [float(a.posterior().isf(_TAIL)) for a in arms]
    return min(lows), max(highs)


def prob_beat(treatment: Arm, control: Arm) -> float:
    """P(p_treatment > p_control) under the Beta posteriors.

    Integrated over the quantiles u of the narrower posterior N against the CDF of the wider
    one W: P(W < N) = integral over u in (0, 1) of F_W(Q_N(u)). The integrand is bounded and
    smooth even when one arm has a million exposures and the other ten, where integrating a
    density (a spike of height 10^4 at zero, say) loses digits.
    """
    t, c = treatment.posterior(), control.posterior()
    if _posterior_variance(treatment) <= _posterior_variance(control):
        return _quantile_integral(narrow=t, wide=c)
    return 1.0 - _quantile_integral(narrow=c, wide=t)


def _posterior_variance(arm: Arm) -> float:
    # By hand: scipy's moment code loses the sign to rounding at a billion exposures.
    a, b = 1.0 + arm.conversions, 1.0 + arm.exposures - arm.conversions
    return a / (a + b) * b / (a + b) / (a + b + 1)


def _quantile_integral(narrow: stats.rv_continuous, wide: stats.rv_continuous) -> float:
    """P(wide < narrow) = E[F_wide(narrow)]."""
    value, _ = integrate.quad(
        lambda u: float(wide.cdf(narrow.ppf(u))), 0.0, 1.0, limit=400, epsabs=1e-11
    )
    return float(min(1.0, max(0.0, value)))


def expected_losses(arms: Sequence[Arm]) -> list[float]:
    """E[max_j p_j - p_i] for each arm i: what choosing it costs in rate, on average.

    E[max_j p_j] = low + integral over [low, high] of (1 - prod_j F_j(x)): one integral for any
    number of arms. With two arms this is E[max(p_other - p_i, 0)], the usual pairwise loss.
    """
    posteriors = [a.posterior() for a in arms]
    low, high = _support(*arms)

    def none_above(x: float) -> float:
        return 1.0 - math.prod(float(p.cdf(x)) for p in posteriors)

    # A peak narrower than the interval can hide between quadrature nodes; give the centres.
    centres = sorted({min(max(float(p.mean()), low), high) for p in posteriors})
    inner = [x for x in centres if low < x < high]
    area, _ = integrate.quad(
        none_above, low, high, points=inner or None, limit=400, epsabs=1e-12, epsrel=1e-10
    )
    expected_max = low + area
    return [max(0.0, expected_max - float(p.mean())) for p in posteriors]


def srm_p_value(arms: Sequence[Arm]) -> float | None:
    """Chi-square goodness of fit of exposures to the configured weights (None: not testable)."""
    total = sum(a.exposures for a in arms)
    if len(arms) < 2 or total == 0:
        return None
    weights = np.array([a.weight for a in arms], dtype=float)
    expected = total * weights / weights.sum()
    observed = np.array([a.exposures for a in arms], dtype=float)
    return float(stats.chisquare(observed, expected).pvalue)


def planned_sample_per_arm(baseline: float, plan: Plan) -> int | None:
    """Exposures each arm needs to detect a ``plan.mde`` relative lift over ``baseline``."""
    target = min(baseline * (1 + plan.mde), 0.999999)
    if not 0 < baseline < 1 or target <= baseline:
        return None
    effect = abs(float(proportion_effectsize(target, baseline)))
    n = NormalIndPower().solve_power(
        effect_size=effect, alpha=plan.alpha, power=plan.power, ratio=1.0
    )
    return math.ceil(float(np.asarray(n).item()))


def analyze(arms: Sequence[Arm], plan: Plan | None = None) -> Analysis:
    """Analyse ``arms`` (the first is control) against ``plan``."""
    plan = plan or Plan()
    if not arms:
        raise ValueError("no variants to analyse")
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise ValueError("variant names must be unique")
    control = arms[0]
    losses = expected_losses(arms)
    results = []
    for index, (arm, loss) in enumerate(zip(arms, losses, strict=True)):
        low, high = wilson_interval(arm)
        results.append(
            ArmResult(
                variant=arm.name,
                exposures=arm.exposures,
                conversions=arm.conversions,
                rate=arm.rate,
                ci_low=low,
                ci_high=high,
                p_value=None if index == 0 else z_test_p_value(arm, control),
                prob_beat_control=None if index == 0 else prob_beat(arm, control),
                expected_loss=loss,
            )
        )
    srm = srm_p_value(arms)
    baseline = plan.baseline_rate if plan.baseline_rate is not None else control.rate
    planned = planned_sample_per_arm(baseline, plan) if baseline is not None else None
    verdict, winner, reason = _decide(arms, results, srm, planned, plan)
    return Analysis(results, srm, verdict, winner, reason, planned, plan)


def _decide(
    arms: Sequence[Arm],
    results: Sequence[ArmResult],
    srm: float | None,
    planned: int | None,
    plan: Plan,
) -> tuple[Verdict, str | None, str]:
    if len(arms) < 2:
        return Verdict.KEEP_RUNNING, None, "only one variant: nothing to compare"
    if srm is not None and srm < SRM_THRESHOLD:
        return (
            Verdict.SAMPLE_RATIO_MISMATCH,
            None,
            f"exposures do not match the configured split (SRM p = {srm:.2g}); "
            "find why before trusting any result",
        )
    if planned is None:
        return (
            Verdict.KEEP_RUNNING,
            None,
            "control has no conversions yet (or all), so the sample cannot be planned; "
            "give a baseline rate or wait",
        )
    fewest = min(a.exposures for a in arms)
    if fewest < planned:
        return (
            Verdict.KEEP_RUNNING,
            None,
            f"{planned - fewest} more exposures needed in the smallest arm "
            f"(plan: {planned} per arm for a {plan.mde:.0%} lift at power {plan.power:.0%}); "
            "no winner before that",
        )
    treatments = list(results[1:])
    p_values = [r.p_value if r.p_value is not None else 1.0 for r in treatments]
    significant = multipletests(p_values, alpha=plan.alpha, method="holm")[0]
    better = [r for r, s in zip(treatments, significant, strict=True) if s and _gt(r, results[0])]
    if better:
        best = max(better, key=lambda r: r.rate or 0.0)
        return Verdict.WINNER, best.variant, f"{best.variant} beats control at alpha {plan.alpha}"
    if all(significant):
        control = results[0].variant
        return Verdict.WINNER, control, f"every variant converts worse than control {control}"
    return (
        Verdict.NO_DIFFERENCE,
        None,
        f"no variant differs from control at alpha {plan.alpha} with the planned sample",
    )


def _gt(result: ArmResult, control: ArmResult) -> bool:
    return (result.rate or 0.0) > (control.rate or 0.0)
