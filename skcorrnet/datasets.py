"""Two-view data sets: digits halves (real) and a latent-factor generator."""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch, check_random_state

__all__ = ["load_digits_halves", "make_two_views"]


def load_digits_halves(*, return_X_y=False):
    """Left and right halves of scikit-learn's bundled 8x8 digits.

    Each of the 1,797 images is cut into its left four and right four pixel
    columns, giving two views of 32 features each (an 8x4 image, flattened
    row by row). Pixel values are scaled from 0..16 to [0, 1].

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(left, right, labels)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``left`` and ``right`` of shape (1797, 32), ``target`` (digit 0-9),
        ``image_shape`` ``(8, 4)`` of one half, and ``DESCR``.
    (left, right, labels) : tuple, if ``return_X_y`` is True.

    Examples
    --------
    >>> from skcorrnet.datasets import load_digits_halves
    >>> left, right, labels = load_digits_halves(return_X_y=True)
    >>> left.shape, right.shape, labels.shape
    ((1797, 32), (1797, 32), (1797,))
    """
    digits = load_digits()
    images = digits.images / 16.0
    n = images.shape[0]
    left = np.ascontiguousarray(images[:, :, :4].reshape(n, -1))
    right = np.ascontiguousarray(images[:, :, 4:].reshape(n, -1))
    if return_X_y:
        return left, right, digits.target
    return Bunch(
        left=left,
        right=right,
        target=digits.target,
        image_shape=(8, 4),
        DESCR=(
            "Left and right 8x4 halves of scikit-learn's 8x8 digits, pixel values "
            "scaled to [0, 1]; the target is the digit."
        ),
    )


def make_two_views(
    n_samples=1000,
    n_features=(20, 30),
    *,
    n_latent=4,
    noise=0.1,
    nonlinear=True,
    random_state=None,
):
    """Two views driven by shared latent factors, with private noise.

    Each view is ``g(Z A_v) + noise`` where ``Z`` holds ``n_latent`` standard
    normal shared factors, ``A_v`` is a random mixing matrix and ``g`` is an
    elementwise nonlinearity (``tanh`` of a random affine map) when
    ``nonlinear``, the identity otherwise. The views share exactly
    ``n_latent`` directions of variation, so a good shared representation
    finds ``n_latent`` strongly correlated components and no more.

    Returns
    -------
    x : ndarray of shape (n_samples, n_features[0])
    y : ndarray of shape (n_samples, n_features[1])
    z : ndarray of shape (n_samples, n_latent)
        The shared factors.
    """
    rng = check_random_state(random_state)
    z = rng.standard_normal((n_samples, n_latent))
    views = []
    for width in n_features:
        mixed = z @ rng.standard_normal((n_latent, width)) / np.sqrt(n_latent)
        if nonlinear:
            mixed = np.tanh(1.5 * mixed + rng.uniform(-0.5, 0.5, width))
        views.append(mixed + noise * rng.standard_normal((n_samples, width)))
    return views[0], views[1], z
