"""Canonical correlation analysis of code matrices, and held-out scoring.

The linear algebra of CCA is done with `scipy.linalg`: each side is whitened
with the inverse square root of its (ridge-regularised) covariance and the
cross-covariance of the whitened sides is decomposed by SVD. The rotation is
learned once, on training rows, and then applied unchanged to the rows being
scored, so that a high score means correlation that generalises.
"""

from typing import NamedTuple

import numpy as np
from scipy import linalg

__all__ = [
    "CCARotation",
    "cca_from_covariances",
    "fit_cca",
    "paired_correlations",
    "heldout_canonical_correlations",
    "make_correlation_scorer",
    "transfer_accuracy",
]

# Ridge added to each covariance, relative to its mean variance: it keeps the
# whitening finite when units are dead, constant or collinear, and is small
# enough not to move the leading correlations of well-conditioned codes.
DEFAULT_CCA_REGULARIZATION = 1e-4

# Guards the per-column correlation of two constant columns (0 / 0).
_EPSILON = 1e-12


class CCARotation(NamedTuple):
    """A fitted linear CCA: ``(a - mean_a) @ weights_a`` is side a's score.

    Columns of the weights are sorted by decreasing training correlation,
    given in ``correlations``.
    """

    mean_a: np.ndarray
    mean_b: np.ndarray
    weights_a: np.ndarray
    weights_b: np.ndarray
    correlations: np.ndarray

    def transform(self, a=None, b=None):
        """Project one or both sides; returns the projected sides given."""
        out = []
        if a is not None:
            out.append((a - self.mean_a) @ self.weights_a)
        if b is not None:
            out.append((b - self.mean_b) @ self.weights_b)
        return out[0] if len(out) == 1 else tuple(out)


def _inverse_sqrt(cov, regularization):
    scale = max(np.trace(cov) / cov.shape[0], np.finfo(cov.dtype).tiny)
    cov = cov + (regularization * scale + _EPSILON) * np.eye(cov.shape[0])
    values, vectors = linalg.eigh(cov)
    values = np.maximum(values, _EPSILON)
    return (vectors / np.sqrt(values)) @ vectors.T


def fit_cca(a, b, *, n_components=None, regularization=DEFAULT_CCA_REGULARIZATION):
    """Fit a regularised linear CCA between the columns of ``a`` and ``b``.

    Parameters
    ----------
    a : array-like of shape (n_samples, n_a)
    b : array-like of shape (n_samples, n_b)
    n_components : int, default=None
        Number of canonical pairs to keep; at most ``min(n_a, n_b)``, which is
        the default.
    regularization : float, default=1e-4
        Ridge on each covariance, relative to its mean variance.

    Returns
    -------
    CCARotation
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
        raise ValueError(
            "fit_cca expects two 2-D arrays with the same number of rows, got "
            f"shapes {a.shape} and {b.shape}."
        )
    if a.shape[0] < 2:
        raise ValueError(
            f"fit_cca needs at least 2 rows to estimate covariances, got {a.shape[0]}."
        )
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    ac, bc = a - mean_a, b - mean_b
    n = a.shape[0] - 1
    return cca_from_covariances(
        mean_a, mean_b, ac.T @ ac / n, bc.T @ bc / n, ac.T @ bc / n,
        n_components=n_components, regularization=regularization,
    )


def cca_from_covariances(
    mean_a,
    mean_b,
    cov_aa,
    cov_bb,
    cov_ab,
    *,
    n_components=None,
    regularization=DEFAULT_CCA_REGULARIZATION,
):
    """`fit_cca` from the means and covariances of the two sides.

    For statistics accumulated over chunks of rows that are not kept.

    Returns
    -------
    CCARotation
    """
    k_max = min(cov_aa.shape[0], cov_bb.shape[0])
    k = k_max if n_components is None else min(int(n_components), k_max)
    wa = _inverse_sqrt(cov_aa, regularization)
    wb = _inverse_sqrt(cov_bb, regularization)
    u, s, vt = linalg.svd(wa @ cov_ab @ wb, full_matrices=False)
    return CCARotation(
        mean_a=np.asarray(mean_a),
        mean_b=np.asarray(mean_b),
        weights_a=wa @ u[:, :k],
        weights_b=wb @ vt.T[:, :k],
        correlations=np.clip(s[:k], 0.0, 1.0),
    )


def paired_correlations(a, b):
    """Pearson correlation of each column of ``a`` with the same column of ``b``.

    Constant columns give 0, never NaN.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    ac = a - a.mean(axis=0)
    bc = b - b.mean(axis=0)
    num = (ac * bc).sum(axis=0)
    den = np.sqrt((ac * ac).sum(axis=0) * (bc * bc).sum(axis=0))
    return num / np.maximum(den, _EPSILON)


def heldout_canonical_correlations(
    a_train, b_train, a_test, b_test, *, n_components=None, regularization=None
):
    """Canonical correlations learned on training rows, measured on test rows.

    Fits `fit_cca` on ``(a_train, b_train)``, projects ``(a_test, b_test)`` with
    it and returns the per-component correlations on the test rows, in the
    order of the training correlations. Use it to compare any two code
    matrices (CorrNet codes, CCA scores, raw views) on the same footing.
    """
    if regularization is None:
        regularization = DEFAULT_CCA_REGULARIZATION
    rot = fit_cca(
        a_train, b_train, n_components=n_components, regularization=regularization
    )
    pa, pb = rot.transform(np.asarray(a_test), np.asarray(b_test))
    return paired_correlations(pa, pb)


def make_correlation_scorer(n_components=None):
    """A scorer for model selection: sum of the top held-out correlations.

    The returned callable has the ``scorer(estimator, X, y=None)`` signature
    that `~sklearn.model_selection.GridSearchCV` accepts. It sums the first
    ``n_components`` values of ``estimator.canonical_correlations(X, y)``
    (all of them when None), so that models of different hidden sizes are
    compared on the same number of components.
    """
    if n_components is not None and (
        not isinstance(n_components, (int, np.integer)) or n_components < 1
    ):
        raise ValueError(
            f"`n_components` must be a positive int or None, got {n_components!r}."
        )

    def correlation_scorer(estimator, X, y=None):
        corr = estimator.canonical_correlations(X, y)
        return float(np.sum(corr[:n_components]))

    return correlation_scorer


def transfer_accuracy(codes_train, labels_train, codes_test, labels_test, *,
                      classifier=None):
    """Accuracy of a classifier trained on one view's codes, tested on another's.

    The transfer-learning measure of the CorrNet paper: fit ``classifier``
    (a `~sklearn.linear_model.LogisticRegression` by default) on the codes of
    one view for the training rows, and score it on the codes of the other
    view for the test rows. High accuracy means the two views' codes live in
    the same coordinates.
    """
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(max_iter=2000) if classifier is None else clone(classifier)
    clf.fit(codes_train, labels_train)
    return float(clf.score(codes_test, labels_test))
