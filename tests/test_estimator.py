"""Behaviour of CorrNetTransformer: the public surface and its contracts."""

import pickle
import random
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skcorrnet import CorrNetTransformer
from skcorrnet.metrics import fit_cca, paired_correlations

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _small(**params):
    base = dict(n_components=4, max_iter=5, batch_size=50, random_state=0)
    base.update(params)
    return CorrNetTransformer(**base)


def test_transform_shapes_and_modes(fitted, two_views):
    """transform gives the joint code with y, the view-0 code without it."""
    x, y = two_views
    joint = fitted.transform(x, y)
    alone = fitted.transform(x)
    assert joint.shape == alone.shape == (200, 4)
    assert_array_equal(alone, fitted.transform_view(x, 0))
    assert not np.allclose(joint, alone)
    assert fitted.transform_view(y, 1).shape == (200, 4)


def test_predict_view_and_inverse_transform_shapes(fitted, two_views):
    """predict_view returns the other view; inverse_transform returns X's space."""
    x, y = two_views
    assert fitted.predict_view(x, view=0).shape == y.shape
    assert fitted.predict_view(y, view=1).shape == x.shape
    assert fitted.inverse_transform(fitted.transform(x, y)).shape == x.shape


def test_views_mode_matches_two_array_mode(two_views):
    """One matrix split by `views` trains the same network as two arrays."""
    x, y = two_views
    two = _small().fit(x, y)
    one = _small(views=x.shape[1]).fit(np.hstack([x, y]), np.arange(200) % 3)
    assert_array_equal(one.transform(np.hstack([x, y])), two.transform(x, y))
    assert_array_equal(
        one.transform_view(np.hstack([x, y]), 1), two.transform_view(y, 1)
    )
    assert one.predict_view(np.hstack([x, y]), 0).shape == y.shape


def test_views_by_columns_and_inverse_transform_fills_unused(two_views):
    """A pair of column lists selects the views; unused columns decode to means."""
    x, y = two_views
    extra = np.full((200, 1), 5.0)
    X = np.hstack([y, extra, x])
    model = _small(views=(list(range(7, 15)), slice(0, 6))).fit(X)
    assert model.n_features_views_ == (8, 6)
    back = model.inverse_transform(model.transform(X))
    assert back.shape == X.shape
    assert_allclose(back[:, 6], 5.0)


def test_canonical_correlations_apply_the_fit_time_rotation(two_views):
    """Held-out correlations use the CCA learned on training codes, not a refit."""
    x, y = two_views
    model = _small(projection="none", max_iter=10).fit(x[:150], y[:150])
    raw0 = model.transform_view(x, 0)
    raw1 = model.transform_view(y, 1)
    rot = fit_cca(raw0[:150], raw1[:150])
    expected = paired_correlations(*rot.transform(raw0[150:], raw1[150:]))
    got = model.canonical_correlations(x[150:], y[150:])
    assert_allclose(got, expected, atol=1e-8)  # the same float64 algebra
    assert model.score(x[150:], y[150:]) == pytest.approx(got.sum())
    assert_allclose(
        model.canonical_correlations(x[:150], y[:150]),
        model.canonical_correlations_,
        atol=1e-10,
    )


def test_cca_projection_aligns_the_views(two_views):
    """With projection='cca' the two views' codes agree far better than raw units."""
    x, y = two_views
    kw = dict(n_components=6, max_iter=40, batch_size=50, random_state=0)
    cca = CorrNetTransformer(**kw).fit(x, y)
    raw = CorrNetTransformer(projection="none", **kw).fit(x, y)

    def gap(m):
        return np.mean((m.transform_view(x, 0) - m.transform_view(y, 1)) ** 2) / (
            np.var(m.transform_view(x, 0)) + 1e-12
        )

    assert gap(cca) < gap(raw)
    # the projected codes come sorted by training correlation
    corr = cca.canonical_correlations_
    assert np.all(np.diff(corr) <= 1e-6)


def test_history_terms_add_up_to_the_loss(fitted):
    """history_ keeps every term, and loss = errors - lambda * correlation."""
    h = fitted.history_
    assert set(h) == {"loss", "joint", "from_view0", "from_view1", "correlation"}
    assert all(len(v) == fitted.n_iter_ for v in h.values())
    lam = fitted.correlation_weight
    expected = (
        np.array(h["joint"]) + h["from_view0"] + h["from_view1"]
        - lam * np.array(h["correlation"])
    )
    assert_allclose(h["loss"], expected, rtol=1e-4)  # epoch means of float32
    assert h["loss"][-1] < h["loss"][0]
    assert 0 < h["correlation"][-1] <= fitted.n_components


def test_correlation_weight_zero_is_plain_autoencoder(two_views):
    """With lambda = 0 the loss is the sum of the reconstruction errors alone."""
    x, y = two_views
    h = _small(correlation_weight=0.0).fit(x, y).history_
    assert_allclose(
        h["loss"],
        np.array(h["joint"]) + h["from_view0"] + h["from_view1"],
        rtol=1e-5,
    )


def test_correlation_term_raises_code_correlation(two_views):
    """Training with the correlation term gives more correlated codes than without."""
    x, y = two_views
    kw = dict(n_components=4, max_iter=30, batch_size=50, random_state=0)
    with_term = CorrNetTransformer(correlation_weight=8.0, **kw).fit(x, y)
    without = CorrNetTransformer(correlation_weight=0.0, **kw).fit(x, y)
    assert with_term.history_["correlation"][-1] > without.history_["correlation"][-1]


def test_same_seed_is_bitwise_repeatable(two_views):
    """Two fits with the same random_state give identical codes."""
    x, y = two_views
    a = _small().fit(x, y).transform(x, y)
    b = _small().fit(x, y).transform(x, y)
    assert_array_equal(a, b)
    c = _small(random_state=1).fit(x, y).transform(x, y)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("output", ["linear", "sigmoid"])
def test_xla_training_matches_the_default_to_rounding(two_views, output):
    """jit_compile=True trains the same network: same losses, same codes."""
    x, y = two_views
    fits = [
        _small(output_activation=output, jit_compile=jit).fit(x, y)
        for jit in (False, True)
    ]
    # float32 sums in another order, over a few epochs of small batches
    assert_allclose(fits[1].history_["loss"], fits[0].history_["loss"], rtol=1e-4)
    assert_allclose(fits[1].transform(x, y), fits[0].transform(x, y),
                    rtol=1e-3, atol=1e-4)
    # and XLA fits repeat bitwise too
    again = _small(output_activation=output, jit_compile=True).fit(x, y)
    assert_array_equal(again.transform(x, y), fits[1].transform(x, y))


def test_global_random_state_is_untouched(two_views):
    """Fitting neither reads nor changes numpy's or Python's global generators."""
    x, y = two_views
    np_state = np.random.get_state()
    py_state = random.getstate()
    _small().fit(x, y)
    after = np.random.get_state()
    assert random.getstate() == py_state
    assert np_state[0] == after[0] and np.array_equal(np_state[1], after[1])


def test_inputs_are_not_modified(two_views):
    """fit and every inference method leave the caller's arrays unchanged."""
    x, y = two_views
    xc, yc = x.copy(), y.copy()
    model = _small().fit(x, y)
    model.transform(x, y)
    model.predict_view(y, 1)
    model.score(x, y)
    assert_array_equal(x, xc)
    assert_array_equal(y, yc)


def test_convergence_warning_when_epochs_run_out(two_views):
    """Stopping at max_iter while still improving warns like scikit-learn."""
    x, y = two_views
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        _small().fit(x, y)


def test_early_stopping_records_validation_and_stops(two_views):
    """early_stopping holds rows out, logs val_ terms and stops on a plateau."""
    x, y = two_views
    model = _small(early_stopping=True, max_iter=300, n_iter_no_change=3, tol=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(x, y)
    assert model.n_iter_ < 300
    assert len(model.history_["val_loss"]) == model.n_iter_
    assert "val_correlation" in model.history_


def test_warm_start_and_partial_fit_accumulate(two_views):
    """warm_start continues training; partial_fit adds one epoch per call."""
    x, y = two_views
    model = _small(warm_start=True).fit(x, y)
    first_last = model.history_["loss"][-1]
    model.fit(x, y)
    assert model.n_iter_ == 10
    # continuing, the next epoch starts near where the last one ended
    assert model.history_["loss"][5] < model.history_["loss"][0]
    assert abs(model.history_["loss"][5] - first_last) < abs(
        model.history_["loss"][0] - first_last
    )

    stream = _small()
    for start in range(0, 200, 50):
        stream.partial_fit(x[start : start + 50], y[start : start + 50])
    assert stream.n_iter_ == 4
    assert len(stream.history_["loss"]) == 4


@pytest.mark.parametrize(
    "params",
    [
        dict(hidden_layer_sizes=(7,), activation="tanh"),
        dict(tied_weights=True, activation="sigmoid"),
        dict(hidden_layer_sizes=(6, 5), tied_weights=True),
        dict(optimizer="rmsprop"),
        dict(optimizer="sgd", learning_rate=0.01),
    ],
)
def test_architecture_options_train(two_views, params):
    """Deep, tied and other optimizer settings train and give finite codes."""
    x, y = two_views
    model = _small(**params).fit(x, y)
    assert model.history_["loss"][-1] < model.history_["loss"][0]
    assert np.isfinite(model.transform(x, y)).all()
    assert model.predict_view(x).shape == y.shape


def test_cross_entropy_for_inputs_in_unit_interval(two_views):
    """loss='cross_entropy' reconstructs [0, 1] data through a sigmoid."""
    x, y = two_views
    x01 = (x - x.min()) / (x.max() - x.min())
    y01 = (y - y.min()) / (y.max() - y.min())
    model = _small(loss="cross_entropy").fit(x01, y01)
    pred = model.predict_view(x01)
    assert pred.min() > 0 and pred.max() < 1


def test_feature_names_out_and_clone(fitted):
    """Output names follow scikit-learn; clone keeps params and drops the fit."""
    names = fitted.get_feature_names_out()
    assert list(names) == [f"corrnettransformer{i}" for i in range(4)]
    twin = clone(fitted)
    assert twin.get_params() == fitted.get_params()
    assert not hasattr(twin, "history_")


def test_pickle_round_trip_drops_the_keras_model(fitted, two_views):
    """A pickled fitted model transforms identically and carries no Keras object."""
    x, y = two_views
    blob = pickle.dumps(fitted)
    assert b"keras" not in blob
    back = pickle.loads(blob)
    assert_array_equal(back.transform(x, y), fitted.transform(x, y))


@pytest.mark.parametrize("verbose, lines", [(0, 0), (2, 3)])
def test_verbose_talks_only_when_asked(two_views, capsys, verbose, lines):
    """verbose=0 prints nothing; verbose=2 prints one line per epoch."""
    x, y = two_views
    _small(max_iter=3, verbose=verbose).fit(x, y)
    out = capsys.readouterr().out
    epoch_lines = [line for line in out.splitlines() if "loss" in line]
    assert len(epoch_lines) == lines
    if lines:
        assert "correlation" in epoch_lines[0]


def test_verbose_one_is_a_bar_over_epochs(two_views, capsys):
    """verbose=1 draws one progress bar that counts epochs, with the terms."""
    x, y = two_views
    _small(max_iter=3, verbose=1).fit(x, y)
    out = capsys.readouterr().out
    assert "3/3" in out and "epoch" in out
    assert "correlation" in out and "from_view1" in out
    assert "Epoch 1/3" not in out  # not Keras's per-epoch bars


def test_partial_fit_projection_pools_the_chunks(two_views):
    """partial_fit's CCA projection uses every chunk's codes, older ones faded."""
    x, y = two_views
    # a learning rate this small leaves the weights as they are, so the
    # codes of both chunks can be recomputed with the final weights
    model = _small(projection="none", learning_rate=1e-12)
    model.partial_fit(x[:100], y[:100])
    model.partial_fit(x[100:], y[100:])

    def moments(rows):
        z = np.hstack([
            model.transform(x[rows], y[rows]),
            model.transform_view(x[rows], 0),
            model.transform_view(y[rows], 1),
        ])
        return np.array([len(z)]), z.sum(axis=0), z.T @ z

    first, second = moments(slice(0, 100)), moments(slice(100, 200))
    for got, new, old in zip(model._code_moments, second, first):
        # float32 training weights against float64 recomputation
        assert_allclose(got, new + 0.9 * old, rtol=1e-6, atol=1e-8)


def test_training_resumes_identically_after_pickling(two_views):
    """Weights and optimizer state travel in the pickle: resuming is exact."""
    x, y = two_views
    straight = _small(warm_start=True, shuffle=False).fit(x, y)
    resumed = pickle.loads(pickle.dumps(straight))
    straight.fit(x, y)
    resumed.fit(x, y)
    assert_array_equal(straight.transform(x, y), resumed.transform(x, y))
    assert straight.history_ == resumed.history_
