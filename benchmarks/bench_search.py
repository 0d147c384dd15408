"""Wall time of a grid search with one process against two (loky), side by side.

A 2x3 grid (``n_components`` by ``correlation_weight``) with 3-fold CV, on the
digits halves, is searched with ``n_jobs=1`` and with ``n_jobs=2``. The loky
worker pool is started (and TensorFlow imported in each worker) by a warm-up
search that is timed apart, so the comparison is of the searches themselves;
the main process is warmed up by one fit for the same reason. On a machine
whose cores are busy with other work the ratio says little: run it idle.

Run: ``python benchmarks/bench_search.py [--epochs N] [--repeats R]``.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold

from skcorrnet import CorrNetTransformer
from skcorrnet.datasets import load_digits_halves
from skcorrnet.metrics import make_correlation_scorer

GRID = {"n_components": [5, 10], "correlation_weight": [0.0, 2.0, 8.0]}


def _search(n_jobs, epochs):
    model = CorrNetTransformer(max_iter=epochs, random_state=0)
    return GridSearchCV(
        model, GRID, scoring=make_correlation_scorer(5),
        cv=KFold(3, shuffle=True, random_state=0), n_jobs=n_jobs, refit=False,
    )


def _timed(n_jobs, epochs, left, right):
    start = time.perf_counter()
    search = _search(n_jobs, epochs).fit(left, right)
    return time.perf_counter() - start, search


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    warnings.simplefilter("ignore", ConvergenceWarning)
    left, right, _ = load_digits_halves(return_X_y=True)
    CorrNetTransformer(2, max_iter=1).fit(left[:200], right[:200])
    start = time.perf_counter()
    _search(2, 1).fit(left, right)
    print(f"warm-up search, n_jobs=2 (starts the workers): "
          f"{time.perf_counter() - start:.1f} s")

    for repeat in range(args.repeats):
        t1, serial = _timed(1, args.epochs, left, right)
        t2, parallel = _timed(2, args.epochs, left, right)
        same = serial.best_params_ == parallel.best_params_ and np.allclose(
            serial.cv_results_["mean_test_score"],
            parallel.cv_results_["mean_test_score"], rtol=1e-5,
        )
        print(f"repeat {repeat}: 6 candidates x 3 folds, {args.epochs} epochs: "
              f"n_jobs=1 {t1:.1f} s, n_jobs=2 {t2:.1f} s, "
              f"ratio n_jobs=1 / n_jobs=2 = {t1 / t2:.2f}, same results: {same}")


if __name__ == "__main__":
    main()
