"""The A/B statistics against independent references and on edge cases.

References are computed here with other code paths than the ones ``sinyal.outreach.ab.stats`` uses:
scipy's binomtest for Wilson intervals, scipy's chi-square on the 2x2 table for the pooled
z-test, Evan Miller's closed form and Monte Carlo for the Beta posteriors, the textbook
arcsine formula for the sample size.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special
from scipy import stats as sps

from sinyal.outreach.ab.stats import (
    Arm,
    Plan,
    Verdict,
    analyze,
    expected_losses,
    planned_sample_per_arm,
    prob_beat,
    srm_p_value,
    wilson_interval,
    z_test_p_value,
)

RNG = np.random.default_rng(20261125)


def generated_pairs(count: int) -> list[tuple[Arm, Arm]]:
    pairs = []
    for _ in range(count):
        n_a, n_b = (int(x) for x in RNG.integers(5, 5000, size=2))
        rate = float(RNG.uniform(0.01, 0.6))
        c_a = int(RNG.binomial(n_a, rate))
        c_b = int(RNG.binomial(n_b, min(0.99, rate * float(RNG.uniform(0.7, 1.4)))))
        pairs.append((Arm("A", n_a, c_a), Arm("B", n_b, c_b)))
    return pairs


CASES = generated_pairs(60)


@pytest.mark.parametrize(("control", "treatment"), CASES)
def test_wilson_interval_matches_scipy(control: Arm, treatment: Arm) -> None:
    for arm in (control, treatment):
        reference = sps.binomtest(arm.conversions, arm.exposures).proportion_ci(
            confidence_level=0.95, method="wilson"
        )
        low, high = wilson_interval(arm)
        assert low == pytest.approx(reference.low, abs=1e-12)
        assert high == pytest.approx(reference.high, abs=1e-12)


@pytest.mark.parametrize(("control", "treatment"), CASES)
def test_z_test_matches_chi_square_on_the_two_by_two_table(control: Arm, treatment: Arm) -> None:
    # The pooled two-proportion z-test is the uncorrected chi-square test of the 2x2 table.
    table = [
        [treatment.conversions, treatment.exposures - treatment.conversions],
        [control.conversions, control.exposures - control.conversions],
    ]
    if min(sum(col) for col in zip(*table, strict=True)) == 0:
        pytest.skip("degenerate table: covered by the edge-case tests")
    reference = sps.chi2_contingency(table, correction=False).pvalue
    assert z_test_p_value(treatment, control) == pytest.approx(reference, rel=1e-9, abs=1e-15)


def miller_prob_b_beats_a(a: Arm, b: Arm) -> float:
    """Evan Miller's exact P(p_B > p_A) for integer Beta parameters (independent reference)."""
    alpha_a, beta_a = 1 + a.conversions, 1 + a.exposures - a.conversions
    alpha_b, beta_b = 1 + b.conversions, 1 + b.exposures - b.conversions
    total = 0.0
    for i in range(alpha_b):
        total += math.exp(
            special.betaln(alpha_a + i, beta_a + beta_b)
            - math.log(beta_b + i)
            - special.betaln(1 + i, beta_b)
            - special.betaln(alpha_a, beta_a)
        )
    return total


@pytest.mark.parametrize(("control", "treatment"), CASES[:30])
def test_prob_beat_control_matches_the_closed_form(control: Arm, treatment: Arm) -> None:
    assert prob_beat(treatment, control) == pytest.approx(
        miller_prob_b_beats_a(control, treatment), abs=1e-7
    )


def monte_carlo_losses(arms: list[Arm], draws: int = 400_000) -> np.ndarray:
    samples = np.column_stack(
        [RNG.beta(1 + a.conversions, 1 + a.exposures - a.conversions, size=draws) for a in arms]
    )
    return (samples.max(axis=1)[:, None] - samples).mean(axis=0)


@pytest.mark.parametrize(
    "arms",
    [
        [Arm("A", 1000, 100), Arm("B", 1000, 130)],
        [Arm("A", 120, 7), Arm("B", 90, 9), Arm("C", 110, 4)],
        [Arm("A", 50_000, 2_000), Arm("B", 50_000, 2_090)],
        [Arm("A", 0, 0), Arm("B", 10, 10)],
    ],
)
def test_expected_loss_matches_monte_carlo(arms: list[Arm]) -> None:
    reference = monte_carlo_losses(arms)
    scale = max(1e-4, float(reference.max()))
    assert expected_losses(arms) == pytest.approx(list(reference), abs=0.02 * scale)


def test_expected_loss_of_two_arms_is_the_pairwise_loss() -> None:
    a, b = Arm("A", 400, 40), Arm("B", 400, 52)
    draws_a = RNG.beta(41, 361, size=400_000)
    draws_b = RNG.beta(53, 349, size=400_000)
    loss_b = float(np.maximum(draws_a - draws_b, 0).mean())
    assert expected_losses([a, b])[1] == pytest.approx(loss_b, rel=0.03)


def test_srm_matches_pearson_chi_square_with_weights() -> None:
    arms = [Arm("A", 5200, 10, weight=2), Arm("B", 2400, 10, weight=1), Arm("C", 2500, 5, 1)]
    observed = np.array([5200, 2400, 2500])
    expected = observed.sum() * np.array([0.5, 0.25, 0.25])
    statistic = float(((observed - expected) ** 2 / expected).sum())
    assert srm_p_value(arms) == pytest.approx(sps.chi2.sf(statistic, df=2), rel=1e-9)


def test_srm_flags_a_broken_split() -> None:
    analysis = analyze([Arm("A", 10_000, 500), Arm("B", 9_000, 560)], Plan(baseline_rate=0.05))
    assert analysis.srm_p_value is not None and analysis.srm_p_value < 0.001
    assert analysis.verdict is Verdict.SAMPLE_RATIO_MISMATCH
    assert analysis.winner is None


@pytest.mark.parametrize(("baseline", "mde"), [(0.05, 0.2), (0.1, 0.1), (0.3, 0.5), (0.02, 1.0)])
def test_planned_sample_matches_the_arcsine_formula(baseline: float, mde: float) -> None:
    h = 2 * math.asin(math.sqrt(baseline * (1 + mde))) - 2 * math.asin(math.sqrt(baseline))
    z = sps.norm.ppf(0.975) + sps.norm.ppf(0.8)
    # Each arm's 2*asin(sqrt(rate)) has variance 1/n, their difference 2/n. statsmodels also
    # counts the far tail of the two-sided test, so it may ask for one more.
    expected = 2 * (z / h) ** 2
    assert planned_sample_per_arm(baseline, Plan(mde=mde)) in (
        math.ceil(expected),
        math.ceil(expected) + 1,
    )


def test_no_winner_before_the_planned_sample_even_when_p_is_small() -> None:
    arms = [Arm("A", 300, 15), Arm("B", 300, 33)]
    analysis = analyze(arms, Plan(mde=0.2))
    assert analysis.variants[1].p_value is not None and analysis.variants[1].p_value < 0.05
    assert analysis.verdict is Verdict.KEEP_RUNNING
    assert analysis.winner is None
    assert analysis.planned_per_arm is not None and analysis.planned_per_arm > 300
    assert analysis.still_needed_per_arm == analysis.planned_per_arm - 300


def test_winner_once_the_plan_is_reached() -> None:
    analysis = analyze([Arm("A", 20_000, 1_000), Arm("B", 20_000, 1_250)], Plan(mde=0.2))
    assert analysis.verdict is Verdict.WINNER
    assert analysis.winner == "B"


def test_no_difference_when_the_plan_is_reached_without_a_gap() -> None:
    analysis = analyze([Arm("A", 20_000, 1_000), Arm("B", 20_000, 1_010)], Plan(mde=0.2))
    assert analysis.verdict is Verdict.NO_DIFFERENCE


def test_holm_correction_keeps_a_borderline_variant_from_winning() -> None:
    # B alone would be significant (p ~ 0.03) but not after correcting for four treatments.
    arms = [Arm("A", 8_000, 800), Arm("B", 8_000, 885)] + [
        Arm(name, 8_000, 800) for name in ("C", "D", "E")
    ]
    analysis = analyze(arms, Plan(mde=0.2, baseline_rate=0.1))
    assert analysis.variants[1].p_value is not None and analysis.variants[1].p_value < 0.05
    assert analysis.verdict is Verdict.NO_DIFFERENCE


counts = st.integers(min_value=0, max_value=10**9)


@st.composite
def arms_strategy(draw: st.DrawFn, min_size: int = 1) -> list[Arm]:
    size = draw(st.integers(min_value=min_size, max_value=4))
    arms = []
    for index in range(size):
        exposures = draw(st.one_of(st.integers(0, 50), counts))
        conversions = draw(st.one_of(st.just(0), st.just(exposures), st.integers(0, exposures)))
        arms.append(Arm(f"v{index}", exposures, conversions))
    return arms


@settings(max_examples=150, deadline=None)
@given(arms_strategy())
def test_every_number_is_defined_and_in_range(arms: list[Arm]) -> None:
    analysis = analyze(arms)
    for arm, result in zip(arms, analysis.variants, strict=True):
        assert 0 <= result.expected_loss <= 1
        if arm.exposures == 0:
            assert result.rate is None and result.ci_low is None
        else:
            assert result.rate is not None and result.ci_low is not None
            assert result.ci_high is not None
            assert 0 <= result.ci_low <= result.rate <= result.ci_high <= 1
        if result.p_value is not None:
            assert 0 <= result.p_value <= 1
        if result.prob_beat_control is not None:
            assert 0 <= result.prob_beat_control <= 1
    assert analysis.variants[0].p_value is None and analysis.variants[0].prob_beat_control is None
    if len(arms) == 1:
        assert analysis.srm_p_value is None and analysis.winner is None


@settings(max_examples=100, deadline=None)
@given(arms_strategy(min_size=2))
def test_prob_beat_is_antisymmetric(arms: list[Arm]) -> None:
    a, b = arms[0], arms[1]
    assert prob_beat(a, b) + prob_beat(b, a) == pytest.approx(1.0, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 10**9))
def test_identical_arms_are_a_coin_flip_and_pass_every_test(n: int) -> None:
    conversions = n // 7
    a, b = Arm("A", n, conversions), Arm("B", n, conversions)
    assert prob_beat(b, a) == pytest.approx(0.5, abs=1e-6)
    assert z_test_p_value(b, a) == pytest.approx(1.0)
    assert srm_p_value([a, b]) == pytest.approx(1.0)


def test_all_or_nothing_arms() -> None:
    none, every = Arm("A", 500, 0), Arm("B", 500, 500)
    assert z_test_p_value(none, Arm("C", 500, 0)) == 1.0
    assert z_test_p_value(every, none) == pytest.approx(0.0, abs=1e-100)
    assert prob_beat(every, none) == pytest.approx(1.0)
    analysis = analyze([none, every])
    assert analysis.verdict is Verdict.KEEP_RUNNING  # no baseline to plan from
    assert "baseline" in analysis.reason


def test_bad_arms_are_refused() -> None:
    with pytest.raises(ValueError, match="more conversions"):
        Arm("A", 5, 6)
    with pytest.raises(ValueError, match="negative"):
        Arm("A", -1, 0)
    with pytest.raises(ValueError, match="unique"):
        analyze([Arm("A", 5, 1), Arm("A", 5, 2)])
