"""The embedded data: digits halves and the latent-factor generator."""

import numpy as np
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits

from skcorrnet.datasets import load_digits_halves, make_two_views
from skcorrnet.metrics import heldout_canonical_correlations


def test_digits_halves_reassemble_the_images():
    """Left and right halves side by side give back the scaled 8x8 digits."""
    data = load_digits_halves()
    digits = load_digits()
    n = len(digits.target)
    images = np.concatenate(
        [data.left.reshape(n, 8, 4), data.right.reshape(n, 8, 4)], axis=2
    )
    assert_array_equal(images, digits.images / 16.0)
    assert_array_equal(data.target, digits.target)
    assert data.left.min() >= 0 and data.right.max() <= 1


def test_two_views_share_exactly_n_latent_directions():
    """Linear views of 3 factors: 3 strong held-out correlations, then little."""
    x, y, z = make_two_views(
        2000, (10, 12), n_latent=3, noise=0.05, nonlinear=False, random_state=0
    )
    assert x.shape == (2000, 10) and y.shape == (2000, 12) and z.shape == (2000, 3)
    corr = heldout_canonical_correlations(x[:1500], y[:1500], x[1500:], y[1500:])
    assert np.all(corr[:3] > 0.95)
    assert np.all(np.abs(corr[3:]) < 0.2)
