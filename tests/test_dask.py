"""A grid search spread over a dask.distributed cluster of worker processes."""

import joblib
import numpy as np
import pytest
from distributed import Client, LocalCluster
from numpy.testing import assert_allclose
from sklearn.model_selection import GridSearchCV, KFold

from skcorrnet import CorrNetTransformer
from skcorrnet.datasets import make_two_views
from skcorrnet.metrics import make_correlation_scorer

# Tiny fits stop at max_iter on purpose: the test checks where fits run.
pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)


def _search(n_jobs=None):
    grid = {"n_components": [1, 2], "correlation_weight": [0.0, 4.0]}
    model = CorrNetTransformer(max_iter=2, batch_size=40, random_state=0)
    return GridSearchCV(
        model, grid, scoring=make_correlation_scorer(1),
        cv=KFold(2, shuffle=True, random_state=0), n_jobs=n_jobs, refit=False,
    )


def test_grid_search_on_a_local_dask_cluster():
    """Under joblib's dask backend the fits run on the cluster's worker processes
    and the search picks what a serial search picks."""
    x, y, _ = make_two_views(120, (6, 5), n_latent=2, random_state=0)
    serial = _search(n_jobs=1).fit(x, y)

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, Client(cluster) as client:
        with joblib.parallel_backend("dask"):
            distributed = _search(n_jobs=-1).fit(x, y)
        # the workers did the fitting: a worker that trained imported the Keras
        # side of skcorrnet (the scheduler may give every task to one of them)
        trained = client.run(_trained_here)
    assert len(trained) == 2
    assert any(trained.values())

    assert distributed.best_params_ == serial.best_params_
    for key in ("mean_test_score", "split0_test_score", "split1_test_score"):
        # seeded float32 fits on one CPU thread: only BLAS rounding may differ
        assert_allclose(distributed.cv_results_[key], serial.cv_results_[key],
                        rtol=1e-5, atol=1e-6, err_msg=key)
    assert np.isfinite(serial.cv_results_["mean_test_score"]).all()


def _trained_here():
    import sys

    return "skcorrnet._network" in sys.modules
