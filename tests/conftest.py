"""Shared fixtures: small seeded two-view data and a small fitted model."""

import os
import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from skcorrnet import CorrNetTransformer  # noqa: E402
from skcorrnet.datasets import make_two_views  # noqa: E402


@pytest.fixture(scope="session")
def two_views():
    """200 rows of two nonlinear views (8 and 6 features) of 3 shared factors."""
    x, y, _ = make_two_views(200, (8, 6), n_latent=3, random_state=0)
    return x, y


@pytest.fixture(scope="session")
def fitted(two_views):
    """A small CorrNet fitted on `two_views` (two-array mode)."""
    x, y = two_views
    model = CorrNetTransformer(
        n_components=4, max_iter=20, batch_size=50, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, y)
    return model
