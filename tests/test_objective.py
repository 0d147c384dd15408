"""Each term of the CorrNet loss against a direct numpy computation."""

import numpy as np
from numpy.testing import assert_allclose
from scipy.special import expit

from skcorrnet._objective import batch_correlation, reconstruction_errors


def _np(t):
    return np.asarray(t)


def test_squared_error_sums_features_and_averages_rows():
    """Squared error: sum over features, mean over rows, one value per code."""
    rng = np.random.default_rng(0)
    pre = rng.normal(size=(3, 5, 4)).astype(np.float32)
    target = rng.normal(size=(5, 4)).astype(np.float32)
    got = _np(reconstruction_errors(pre, target, "squared_error", lambda a: a))
    expected = [((pre[i] - target) ** 2).sum(axis=1).mean() for i in range(3)]
    assert_allclose(got, expected, rtol=1e-5)  # float32 sums of 20 terms


def test_cross_entropy_matches_the_textbook_formula():
    """Cross-entropy from logits equals -t log s - (1 - t) log(1 - s)."""
    rng = np.random.default_rng(1)
    pre = rng.normal(size=(3, 6, 5)).astype(np.float32)
    target = rng.uniform(size=(6, 5)).astype(np.float32)
    got = _np(reconstruction_errors(pre, target, "cross_entropy", None))
    s = expit(pre.astype(np.float64))
    per = -(target * np.log(s) + (1 - target) * np.log(1 - s))
    assert_allclose(got, per.sum(axis=2).mean(axis=1), rtol=1e-5)


def test_batch_correlation_is_sum_of_per_unit_pearson():
    """The correlation term is the sum over units of Pearson r across rows."""
    rng = np.random.default_rng(2)
    a = rng.normal(size=(40, 3))
    b = 0.5 * a + rng.normal(size=(40, 3))
    # a column-wise offset and scale must not change the correlation
    b[:, 1] = 10 * b[:, 1] + 7
    expected = sum(np.corrcoef(a[:, j], b[:, j])[0, 1] for j in range(3))
    got = float(_np(batch_correlation(a.astype(np.float32), b.astype(np.float32))))
    assert_allclose(got, expected, rtol=1e-4)  # epsilon 1e-8 and float32


def test_batch_correlation_is_per_unit_not_over_units():
    """Units are correlated with their own partner only, centred over rows."""
    a = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, -1.0]], dtype=np.float32)
    b = np.array([[0.0, -1.0], [1.0, 0.0], [2.0, 1.0]], dtype=np.float32)
    # unit 0: r = +1, unit 1: r = -1
    assert_allclose(float(_np(batch_correlation(a, b))), 0.0, atol=1e-5)
    assert_allclose(float(_np(batch_correlation(a, a))), 2.0, rtol=1e-5)


def test_dead_unit_gives_zero_not_nan():
    """A constant unit contributes 0, thanks to the epsilon."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=(10, 2)).astype(np.float32)
    b = a.copy()
    a[:, 1] = 0.0
    got = float(_np(batch_correlation(a, b)))
    assert np.isfinite(got)
    assert_allclose(got, 1.0, rtol=1e-5)
