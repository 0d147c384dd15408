"""CorrNetTransformer among scikit-learn tools: pipelines, searches, persistence,
pandas, streaming and bad input."""

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.cross_decomposition import CCA
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    cross_val_score,
    cross_validate,
    train_test_split,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from skcorrnet import CorrNetTransformer
from skcorrnet.datasets import load_digits_halves, make_two_views
from skcorrnet.metrics import heldout_canonical_correlations, make_correlation_scorer

# Tiny fits stop at max_iter on purpose: the tests check plumbing, not quality.
pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)

REPO_ROOT = Path(__file__).resolve().parents[1]
N_X, N_Y = 6, 5


def _views(n_samples=120, random_state=0):
    x, y, z = make_two_views(
        n_samples, (N_X, N_Y), n_latent=2, random_state=random_state
    )
    return x, y, z


def _labels(z):
    """Two classes from the first shared factor, as strings so that any step
    that tried to read them as numbers would fail."""
    return np.where(z[:, 0] > 0, "up", "down")


def _fast(**params):
    # few units, epochs and rows: these tests check the API, not a fit's quality
    defaults = dict(n_components=2, max_iter=2, batch_size=40, random_state=0)
    return CorrNetTransformer(**{**defaults, **params})


# ----------------------------------------------------------------------
# 1. Pipelines and column selections


def test_pipeline_passes_labels_to_the_next_step():
    """With `views` set, y reaches the classifier untouched and CorrNet ignores it."""
    x, y, z = _views()
    both, labels = np.hstack([x, y]), _labels(z)
    pipe = make_pipeline(
        StandardScaler(), _fast(views=N_X), LogisticRegression(max_iter=500)
    )
    pipe.fit(both, labels)

    assert_array_equal(pipe[-1].classes_, ["down", "up"])
    assert set(pipe.predict(both)) <= {"down", "up"}
    # the CorrNet step trained as if no y had been given
    alone = _fast(views=N_X).fit(StandardScaler().fit_transform(both))
    assert_allclose(pipe[:-1].transform(both), alone.transform(
        StandardScaler().fit_transform(both)), rtol=1e-6, atol=1e-8)  # same fit


_NAMES = [f"f{i}" for i in range(N_X + N_Y)]
_MASK = np.arange(N_X + N_Y) < N_X


@pytest.mark.parametrize(
    "views",
    [
        N_X,
        (list(range(N_X)), list(range(N_X, N_X + N_Y))),
        (slice(0, N_X), slice(N_X, None)),
        (_MASK, ~_MASK),
        (_NAMES[:N_X], _NAMES[N_X:]),
    ],
    ids=["int", "indices", "slices", "masks", "names"],
)
def test_every_views_spec_selects_the_same_columns(views):
    """Index, slice, mask and name selections of the same columns give the same
    model as the int spec."""
    x, y, _ = _views()
    frame = pd.DataFrame(np.hstack([x, y]), columns=_NAMES)
    reference = _fast(views=N_X).fit(frame.to_numpy())
    model = _fast(views=views).fit(frame)
    # same columns, same seed: a CPU fit is repeatable, so only rounding differs
    assert_allclose(model.transform(frame), reference.transform(frame.to_numpy()),
                    rtol=1e-6, atol=1e-8)


def test_column_transformer_with_names_and_a_passthrough_column():
    """A ColumnTransformer hands CorrNet its columns by name; views refer to them."""
    x, y, z = _views()
    frame = pd.DataFrame(np.hstack([x, y]), columns=_NAMES)
    frame["extra"] = z[:, 1]
    corr = _fast(views=(_NAMES[:N_X], _NAMES[N_X:]))
    ct = ColumnTransformer([("corr", corr, _NAMES), ("keep", "passthrough", ["extra"])])
    pipe = Pipeline([("features", ct), ("clf", LogisticRegression(max_iter=500))])
    pipe.fit(frame, _labels(z))

    features = pipe[0].transform(frame)
    assert features.shape == (len(frame), 2 + 1)
    assert_allclose(features[:, -1], frame["extra"])
    fitted = pipe[0].named_transformers_["corr"]
    assert_array_equal(fitted.feature_names_in_, _NAMES)
    assert_array_equal(
        pipe[0].get_feature_names_out(),
        ["corr__corrnettransformer0", "corr__corrnettransformer1", "keep__extra"],
    )


# ----------------------------------------------------------------------
# 2. Searches, cross-validation and scorers


def _search_results(search):
    return search.best_params_, {
        key: search.cv_results_[key]
        for key in search.cv_results_
        if key.startswith(("split", "mean_test"))
    }


def test_grid_and_randomized_search_agree_across_n_jobs():
    """Seeded searches give the same best params and scores with 1 and 2 processes,
    and a second search in the same process works."""
    x, y, _ = _views()
    scorer = make_correlation_scorer(n_components=1)
    grid = {"n_components": [1, 2], "correlation_weight": [0.0, 4.0]}
    cv = KFold(2, shuffle=True, random_state=0)
    serial, parallel = (
        GridSearchCV(_fast(), grid, scoring=scorer, cv=cv, n_jobs=n_jobs, refit=False)
        .fit(x, y)
        for n_jobs in (1, 2)
    )

    best_s, scores_s = _search_results(serial)
    best_p, scores_p = _search_results(parallel)
    assert best_s == best_p
    for key, values in scores_s.items():
        # float32 training is repeatable on one CPU; the tolerance only absorbs
        # a different BLAS thread split between the processes
        assert_allclose(scores_p[key], values, rtol=1e-5, atol=1e-6, err_msg=key)

    # a second search, other parameters, default scoring (model.score)
    dist = {
        "hidden_layer_sizes": [(), (4,)],
        "learning_rate": [1e-3, 1e-2],
        "batch_size": [20, 40],
        "max_iter": [1, 2],
    }
    results = []
    for n_jobs in (1, 2):
        search = RandomizedSearchCV(
            _fast(), dist, n_iter=2, cv=cv, random_state=0, n_jobs=n_jobs
        ).fit(x, y)
        results.append(_search_results(search))
    assert results[0][0] == results[1][0]
    for key, values in results[0][1].items():
        assert_allclose(results[1][1][key], values, rtol=1e-5, atol=1e-6)
    assert np.isfinite(results[0][1]["mean_test_score"]).all()


def test_cross_val_score_and_cross_validate():
    """cross_val_score runs a labelled pipeline; cross_validate a two-view model."""
    x, y, z = _views()
    pipe = make_pipeline(_fast(views=N_X), LogisticRegression(max_iter=500))
    accuracy = cross_val_score(pipe, np.hstack([x, y]), _labels(z), cv=3)
    assert accuracy.shape == (3,)
    assert ((accuracy >= 0) & (accuracy <= 1)).all()

    out = cross_validate(
        _fast(), x, y, cv=3, return_estimator=True,
        scoring={"top1": make_correlation_scorer(1), "all": make_correlation_scorer()},
    )
    assert out["test_top1"].shape == (3,)
    assert (out["test_all"] >= out["test_top1"] - 1).all()
    for estimator in out["estimator"]:
        check_is_fitted(estimator)


def test_correlation_scorer_sums_the_top_components():
    """make_correlation_scorer(k) scores by the top-k held-out canonical
    correlations."""
    x, y, _ = _views(200)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, random_state=0)
    model = _fast(n_components=3).fit(x_tr, y_tr)
    corr = model.canonical_correlations(x_te, y_te)
    for k in (1, 2, 3):
        # the scorer sums the same float64 values: only rounding can differ
        assert_allclose(make_correlation_scorer(k)(model, x_te, y_te),
                        corr[:k].sum(), rtol=1e-12)
    assert_allclose(make_correlation_scorer()(model, x_te, y_te), corr.sum(),
                    rtol=1e-12)
    assert make_correlation_scorer(1)(model, x_te, y_te) != corr.sum()
    with pytest.raises(ValueError, match="`n_components` must be a positive int"):
        make_correlation_scorer(0)


def test_heldout_canonical_correlations_on_linear_data():
    """On mixed linear views with known canonical correlations the held-out
    estimate finds them."""
    rng = np.random.RandomState(0)
    n = 40_000
    noise = np.array([0.5, 1.5])
    z = rng.standard_normal((n, 2))
    a = np.column_stack([z, rng.standard_normal(n)])
    b = np.column_stack([z + noise * rng.standard_normal((n, 2)),
                         rng.standard_normal(n)])
    # CCA is blind to an invertible linear mixing of each side
    a = a @ rng.standard_normal((3, 3))
    b = b @ rng.standard_normal((3, 3))
    expected = np.array([*(1 / np.sqrt(1 + noise**2)), 0.0])

    half = n // 2
    corr = heldout_canonical_correlations(a[:half], b[:half], a[half:], b[half:])
    # sampling error of a correlation on 20,000 rows is below 0.01
    assert_allclose(corr, expected, atol=0.02)


def test_heldout_canonical_correlations_match_sklearn_cca():
    """On well-conditioned data the held-out correlations equal sklearn CCA's."""
    x, y, _ = _views(2000, random_state=1)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, random_state=0)
    ours = heldout_canonical_correlations(x_tr, y_tr, x_te, y_te, n_components=2)

    cca = CCA(n_components=2, max_iter=5000, tol=1e-12).fit(x_tr, y_tr)
    u, v = cca.transform(x_te, y_te)
    theirs = [np.corrcoef(u[:, i], v[:, i])[0, 1] for i in range(2)]
    # both solve the same problem; the ridge (1e-4 of the mean variance) and
    # NIPALS' convergence move the values in the fourth decimal at most
    assert_allclose(ours, theirs, atol=2e-3)


# ----------------------------------------------------------------------
# 3. Persistence and cloning


def _round_trips(estimator, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(estimator, path)
    return [pickle.loads(pickle.dumps(estimator)), joblib.load(path)]


def test_pickle_and_joblib_round_trips(tmp_path):
    """Unfitted and fitted estimators survive pickle and joblib with identical
    outputs."""
    x, y, _ = _views()
    unfitted = _fast()
    reference = clone(unfitted).fit(x, y)
    for copy in _round_trips(unfitted, tmp_path):
        assert copy.get_params() == unfitted.get_params()
        assert_array_equal(copy.fit(x, y).transform(x, y), reference.transform(x, y))

    for copy in _round_trips(reference, tmp_path):
        assert_array_equal(copy.transform(x, y), reference.transform(x, y))
        assert_array_equal(copy.transform_view(y, 1), reference.transform_view(y, 1))
        assert_array_equal(copy.predict_view(x), reference.predict_view(x))
        assert copy.score(x, y) == reference.score(x, y)


def _env_with_repo_on_path():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {**env, "PYTHONPATH": str(REPO_ROOT)}


def test_fitted_model_transforms_in_a_fresh_process_without_tensorflow(tmp_path):
    """A loaded model transforms with numpy alone: TensorFlow and Keras are never
    imported."""
    x, y, _ = _views()
    model = _fast().fit(x, y)
    joblib.dump(model, tmp_path / "model.joblib")
    np.save(tmp_path / "x.npy", x)
    script = textwrap.dedent(
        """
        import sys
        import joblib
        import numpy as np
        model = joblib.load(sys.argv[1] + "/model.joblib")
        codes = model.transform(np.load(sys.argv[1] + "/x.npy"))
        np.save(sys.argv[1] + "/codes.npy", codes)
        loaded = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
        print("loaded:", ",".join(loaded))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True, text=True, timeout=300, env=_env_with_repo_on_path(),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "loaded:", done.stdout
    assert_array_equal(np.load(tmp_path / "codes.npy"), model.transform(x))


def test_clone_keeps_every_parameter_and_drops_fitted_state():
    """clone copies each parameter, set to a non-default value, and no fit."""
    params = dict(
        n_components=3, hidden_layer_sizes=(4,), activation="tanh",
        output_activation="sigmoid", loss="cross_entropy", tied_weights=True,
        correlation_weight=1.5, projection="none", views=2, optimizer="rmsprop",
        learning_rate=0.02, batch_size=7, max_iter=3, early_stopping=True,
        validation_fraction=0.3, n_iter_no_change=2, tol=0.5, shuffle=False,
        random_state=5, verbose=0, warm_start=True, jit_compile=True,
    )
    assert set(params) == set(CorrNetTransformer().get_params())
    default = CorrNetTransformer().get_params()
    assert all(params[k] != default[k] for k in params if k != "verbose")

    x, y, _ = _views()
    fitted = CorrNetTransformer(**params).fit(np.clip(np.hstack([x, y]), 0, 1))
    copy = clone(fitted)
    assert copy.get_params() == params
    assert not hasattr(copy, "n_features_in_")
    assert not hasattr(copy, "history_")
    with pytest.raises(NotFittedError):
        copy.transform(np.hstack([x, y]))


# ----------------------------------------------------------------------
# 4. pandas


def test_dataframes_in_and_out():
    """Names are recorded and checked; pandas output keeps names and index."""
    x, y, _ = _views()
    frame = pd.DataFrame(np.hstack([x, y]), columns=_NAMES,
                         index=pd.RangeIndex(1000, 1000 + len(x)))
    model = _fast(views=(_NAMES[:N_X], _NAMES[N_X:])).fit(frame)
    assert_array_equal(model.feature_names_in_, _NAMES)

    with pytest.raises(ValueError, match="must be in the same order"):
        model.transform(frame[_NAMES[::-1]])
    with pytest.raises(ValueError, match="unseen at fit time"):
        model.transform(frame.rename(columns={"f0": "renamed"}))

    plain = model.transform(frame)
    out = model.set_output(transform="pandas").transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert_array_equal(out.columns, model.get_feature_names_out())
    assert out.index.equals(frame.index)
    assert_array_equal(out.to_numpy(), plain)


def test_dataframes_in_two_array_mode():
    """With two frames, X's names are recorded and the second view is checked
    by width."""
    x, y, _ = _views()
    fx = pd.DataFrame(x, columns=_NAMES[:N_X])
    fy = pd.DataFrame(y, columns=_NAMES[N_X:])
    model = _fast().fit(fx, fy)
    assert_array_equal(model.feature_names_in_, _NAMES[:N_X])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        assert_allclose(model.transform(x, y), model.transform(fx, fy))
    with pytest.raises(ValueError, match="must be in the same order"):
        model.transform(fx[_NAMES[:N_X][::-1]])


# ----------------------------------------------------------------------
# 5. Streaming and warm starts


def _raw(**params):
    # projection="none": transform returns the raw hidden units, so two models
    # compare by their network weights alone, not by the CCA fitted after them
    return _fast(projection="none", shuffle=False, batch_size=20, **params)


def test_partial_fit_over_chunks_trains_like_one_epoch_of_fit(tmp_path):
    """Without shuffling, partial_fit over chunks in order takes the same steps
    as one epoch of fit, from arrays and from a read-only memmap."""
    # Why this is "the same": with shuffle=False both walk the rows in order in
    # batches of batch_size; chunks that are whole multiples of batch_size split
    # that walk at batch boundaries, and the optimizer state carries over from
    # one partial_fit call to the next. With shuffle=True the two would draw
    # different batches (each call reshuffles its own chunk), so only the
    # statistical behaviour could be compared (see the next test).
    x, y, _ = _views(120)
    one_epoch = _raw(max_iter=1).fit(x, y)

    streamed = _raw()
    for start in range(0, 120, 40):
        streamed.partial_fit(x[start:start + 40], y[start:start + 40])
    assert streamed.n_iter_ == 3
    assert len(streamed.history_["loss"]) == 3
    # identical batches and updates in float32: only summation order can differ
    assert_allclose(streamed.transform(x, y), one_epoch.transform(x, y),
                    rtol=1e-5, atol=1e-6)

    both = np.hstack([x, y])
    disk = np.memmap(tmp_path / "views.dat", dtype=np.float64, mode="w+",
                     shape=both.shape)
    disk[:] = both
    disk.flush()
    disk = np.memmap(tmp_path / "views.dat", dtype=np.float64, mode="r",
                     shape=both.shape)
    from_disk = _raw(views=N_X)
    for start in range(0, 120, 40):
        from_disk.partial_fit(disk[start:start + 40])
    assert_allclose(from_disk.transform(both), streamed.transform(x, y),
                    rtol=1e-5, atol=1e-6)


def test_partial_fit_repeated_matches_fit_epochs():
    """k partial_fit calls on all rows equal fit with max_iter=k when unshuffled;
    shuffled, history still grows by one entry per call and the loss falls."""
    x, y, _ = _views(120)
    k = 4
    fitted = _raw(max_iter=k).fit(x, y)
    streamed = _raw()
    for _ in range(k):
        streamed.partial_fit(x, y)
    assert_allclose(streamed.transform(x, y), fitted.transform(x, y),
                    rtol=1e-5, atol=1e-6)  # same steps, float32 rounding only
    assert_allclose(streamed.history_["loss"], fitted.history_["loss"], rtol=1e-5)

    shuffled = _fast(batch_size=20)
    losses = []
    for call in range(1, k + 1):
        shuffled.partial_fit(x, y)
        assert len(shuffled.history_["loss"]) == call
        losses.append(shuffled.history_["loss"][-1])
    assert shuffled.n_iter_ == k
    assert losses[-1] < losses[0]
    shapes = {name: w.shape for name, w in shuffled._params.items()}
    assert shapes == {name: w.shape for name, w in fitted._params.items()}


def test_warm_start_continues_from_the_current_weights():
    """A warm-started fit continues: n_iter_ and history_ accumulate, and 5 then
    3 epochs train the same network as 8 epochs at once."""
    x, y, _ = _views(120)
    model = _raw(max_iter=5, warm_start=True).fit(x, y)
    first = list(model.history_["loss"])
    model.set_params(max_iter=3).fit(x, y)
    assert model.n_iter_ == 8
    assert len(model.history_["loss"]) == 8
    # the first warm epoch starts where the cold fit stopped, not from scratch:
    # its loss is below the last cold epoch and far below the first
    second = model.history_["loss"][5:]
    assert second[0] < first[-1] < first[0]

    # unshuffled, the batches of 5 + 3 epochs are those of 8 epochs, and the
    # optimizer state carries over: float32 rounding is the only difference
    at_once = _raw(max_iter=8).fit(x, y)
    assert_allclose(model.history_["loss"], at_once.history_["loss"], rtol=1e-5)
    assert_allclose(model.transform(x, y), at_once.transform(x, y),
                    rtol=1e-5, atol=1e-6)

    cold = _raw(max_iter=5)
    cold.fit(x, y)
    cold.fit(x, y)
    assert cold.n_iter_ == 5
    assert_allclose(cold.history_["loss"], first, rtol=1e-6)  # a repeat of fit 1


# ----------------------------------------------------------------------
# 6. Bad input


def test_views_naming_missing_columns():
    """A views spec naming absent DataFrame columns says which are missing."""
    x, y, _ = _views()
    frame = pd.DataFrame(np.hstack([x, y]), columns=_NAMES)
    with pytest.raises(ValueError, match=r"does not have: \['nope'\]"):
        _fast(views=(["f0", "nope"], _NAMES[N_X:])).fit(frame)


def test_label_like_y_warns_and_points_to_views():
    """A y of a few distinct integers in two-array mode warns to use `views`."""
    x, _, z = _views()
    digits = (z[:, 0] > 0).astype(int)
    with pytest.warns(UserWarning, match="looks like class labels.*set `views`"):
        _fast().fit(x, digits)


@pytest.mark.parametrize("which", ["X", "y", "views"])
def test_partial_fit_chunk_width_change(which):
    """A chunk whose width differs from the first is refused with what to do."""
    x, y, _ = _views()
    if which == "views":
        model = _fast(views=N_X).partial_fit(np.hstack([x, y]))
        bad = (np.hstack([x, y])[:, :-1], None)
        expected, got = N_X + N_Y, N_X + N_Y - 1
    else:
        model = _fast().partial_fit(x, y)
        bad = (x[:, :-1], y) if which == "X" else (x, y[:, :-1])
        expected = N_X if which == "X" else N_Y
        got = expected - 1
    with pytest.raises(ValueError, match=(
        rf"{which if which != 'views' else 'X'} has {got} features.*expecting "
        rf"{expected} features.*clone"
    )):
        model.partial_fit(*bad)


# ----------------------------------------------------------------------
# Quality pinned through the whole tool chain


@pytest.mark.slow
def test_tuned_pipeline_classifies_digits_halves():
    """Scaler, CorrNet on the two halves and a classifier, tuned by a parallel
    grid search, reach 0.85 held-out accuracy on digits."""
    left, right, digit = load_digits_halves(return_X_y=True)
    both = np.hstack([left, right])
    x_tr, x_te, d_tr, d_te = train_test_split(
        both, digit, test_size=0.3, random_state=0, stratify=digit
    )
    pipe = Pipeline([
        ("scale", StandardScaler()),
        ("corrnet", CorrNetTransformer(views=32, max_iter=30, random_state=0)),
        ("clf", LogisticRegression(max_iter=2000)),
    ])
    search = GridSearchCV(pipe, {"corrnet__n_components": [10, 30]}, cv=3, n_jobs=2)
    search.fit(x_tr, d_tr)
    assert search.score(x_te, d_te) >= 0.85
