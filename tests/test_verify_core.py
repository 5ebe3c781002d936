"""The runner's bookkeeping: outcomes, seeds, findings, statistics of evidence."""
import numpy as np
import pytest

from verify import findings, outcome, stats
from verify.outcome import Outcome
from verify.seeds import check_seed


def test_verified_needs_a_verifying_method():
    with pytest.raises(ValueError):
        Outcome("verified", "float")
    with pytest.raises(ValueError):
        Outcome("verified", "monte-carlo")
    assert Outcome("verified", "certified").status == "verified"


def test_unknown_status_and_method_are_refused():
    with pytest.raises(ValueError):
        Outcome("proven", "exact")
    with pytest.raises(ValueError):
        Outcome("verified", "vibes")


def test_worst_status_orders_counterexample_first():
    assert outcome.worst_status(["verified", "consistent"]) == "consistent"
    assert outcome.worst_status(["verified", "counterexample", "inconclusive"]) == "counterexample"
    assert outcome.worst_status(["verified", "not-applicable"]) == "not-applicable"


def test_evidence_is_made_json_ready():
    import mpmath

    ev = Outcome("inconclusive", "float", {"a": np.float64(1.5), "b": np.arange(3), "c": mpmath.mpf(2),
                                            "d": float("inf")}).evidence
    assert ev == {"a": 1.5, "b": [0, 1, 2], "c": 2.0, "d": "inf"}


def test_seeds_depend_on_claim_and_check_only():
    a = check_seed(0, "eq-8", "r=3")
    assert a == check_seed(0, "eq-8", "r=3")
    assert len({a, check_seed(1, "eq-8", "r=3"), check_seed(0, "eq-10", "r=3"), check_seed(0, "eq-8", "r=4")}) == 4
    assert 0 <= a < 2**63


FINDINGS = """
[[finding]]
claim = "lemma-5.3"
check = "r=1 *"
status = "counterexample"
why = "r = 1 needs ..."
"""


def test_findings_decide_what_is_expected():
    f = findings.load(FINDINGS)
    assert findings.is_expected(f, "lemma-5.3", "r=1 N=4", "counterexample")
    assert not findings.is_expected(f, "lemma-5.3", "r=1 N=4", "verified")  # a listed finding that went away
    assert findings.is_expected(f, "lemma-5.3", "r=2 N=4", "verified")
    assert not findings.is_expected(f, "lemma-5.3", "r=2 N=4", "counterexample")
    assert not findings.is_expected(f, "eq-8", "r=2", "inconclusive")


def test_shipped_findings_file_parses():
    for f in findings.load():
        assert f.why


def test_clopper_pearson_covers_and_is_exact_at_the_edges():
    lo, hi = stats.clopper_pearson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / 10))
    lo, hi = stats.clopper_pearson(10, 10)
    assert hi == 1.0 and lo == pytest.approx(0.025 ** (1 / 10))
    lo, hi = stats.clopper_pearson(37, 100)
    assert lo < 0.37 < hi
    with pytest.raises(ValueError):
        stats.clopper_pearson(3, 2)


def test_scaling_band_accepts_linear_and_affine_growth():
    x = np.geomspace(16, 1024, 7)
    assert stats.scaling_band(x, 0.3 * x, x).settles
    assert stats.scaling_band(x, 5 + 0.3 * x, x).settles  # intercept: a drift that dies out


def test_scaling_band_rejects_a_wrong_power():  # negative control
    x = np.geomspace(16, 1024, 7)
    band = stats.scaling_band(x, x**1.5, x)
    assert not band.settles
    assert band.slope == pytest.approx(0.5)
    assert not stats.scaling_band(x, x * np.log(x) ** 2, x).settles


def test_scaling_band_is_inconclusive_when_the_grid_cannot_tell():  # negative control
    x = np.geomspace(8, 128, 5)
    noise = np.array([1.0, 3.0, 0.4, 2.5, 0.5])
    band = stats.scaling_band(x, x * noise * x**0.3, x)
    assert band.slope_ci[1] - band.slope_ci[0] > 1.0 and not band.settles


def test_upper_direction_accepts_a_falling_ratio_and_rejects_a_growing_one():
    x = np.geomspace(16, 4096, 9)
    assert not stats.scaling_band(x, x / np.log(x), x).settles  # Theta: a 1/log drift is not settled
    assert stats.scaling_band(x, x / np.log(x), x, direction="upper").settles  # but it is O(x)
    assert not stats.scaling_band(x, x**1.5, x, direction="upper").settles  # negative control
    assert stats.scaling_band(x, x**1.5, x, direction="lower").settles
    assert not stats.scaling_band(x, x / np.log(x) ** 3, x, direction="lower").settles


def test_frequency_judge_reaches_the_promised_rate_or_says_inconclusive():
    from verify.judge import frequency

    assert frequency(99, 100, min_rate=0.95).status == "consistent"
    assert frequency(80, 100, min_rate=0.95).status == "inconclusive"  # negative control
    assert frequency(0, 20, min_rate=0.5).status == "inconclusive"


def test_frequency_judge_does_not_accept_a_vacuous_promise():  # negative control
    from verify.judge import frequency

    for rate in (0.0, -3.0):
        out = frequency(0, 20, min_rate=rate)
        assert out.status == "inconclusive" and "vacuous" in out.evidence["reason"]
