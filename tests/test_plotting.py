"""The figures of skcorrnet.plotting hold the model's numbers, drawn headless."""

import importlib
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.cross_decomposition import CCA
from sklearn.exceptions import ConvergenceWarning

from skcorrnet import CorrNetTransformer, plotting
from skcorrnet.metrics import paired_correlations

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test made, so none leaks into the next."""
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def early_stopped(two_views):
    """A small CorrNet whose history_ also holds validation curves."""
    x, y = two_views
    model = CorrNetTransformer(
        4, max_iter=6, batch_size=50, early_stopping=True, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x, y)


def test_history_lines_hold_history(fitted):
    """Each training term of history_ is one line whose y-data is that term."""
    ax = plotting.plot_history(fitted)
    lines = ax.get_lines()
    keys = [k for k in fitted.history_ if not k.startswith("val_")]
    assert [line.get_label() for line in lines] == keys
    for line, key in zip(lines, keys, strict=True):
        assert_array_equal(line.get_ydata(), fitted.history_[key])
        assert_array_equal(line.get_xdata(), np.arange(1, fitted.n_iter_ + 1))


def test_history_draws_validation_dashed(early_stopped):
    """A term with a val_ curve gets a dashed line of the same colour."""
    fig, ax = plt.subplots()
    out = plotting.plot_history(early_stopped, terms=["loss"], ax=ax)
    assert out is ax
    train, val = ax.get_lines()
    assert val.get_label() == "val_loss"
    assert val.get_linestyle() == "--"
    assert val.get_color() == train.get_color()
    assert_array_equal(val.get_ydata(), early_stopped.history_["val_loss"])


def test_history_rejects_unknown_term(fitted):
    """An unknown key names `terms` and lists the keys that exist."""
    with pytest.raises(ValueError, match=r"`terms` must be keys.*'nope'"):
        plotting.plot_history(fitted, terms=["nope"])


def test_history_needs_fitted_model():
    """An unfitted model is refused before anything is drawn."""
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        plotting.plot_history(CorrNetTransformer(2))


def test_bar_heights_are_canonical_correlations(fitted, two_views):
    """Bars equal canonical_correlations for CorrNet and score correlations for
    CCA, one container per model."""
    x, y = two_views
    cca = CCA(n_components=3).fit(x, y)
    ax = plotting.plot_canonical_correlations(
        [fitted, cca], x, y, labels=["corrnet", "cca"]
    )
    corrnet_bars, cca_bars = ax.containers
    heights = [bar.get_height() for bar in corrnet_bars]
    assert_allclose(heights, fitted.canonical_correlations(x, y), rtol=1e-12)
    # CCA's bars are its score columns correlated pairwise.
    expected = paired_correlations(*cca.transform(x, y))
    assert_allclose([b.get_height() for b in cca_bars], expected, rtol=1e-12)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("corrnet (sum ")


def test_bar_chart_keeps_first_components(fitted, two_views):
    """n_components keeps only the leading components."""
    x, y = two_views
    ax = plotting.plot_canonical_correlations(fitted, x, y, n_components=2)
    heights = [bar.get_height() for bar in ax.containers[0]]
    assert_allclose(heights, fitted.canonical_correlations(x, y)[:2], rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"labels": ["a", "b"]}, r"`labels` must give one name per model"),
        ({"n_components": 0}, r"`n_components` must be a positive int"),
    ],
)
def test_bar_chart_rejects_bad_arguments(fitted, two_views, kwargs, match):
    """Mismatched labels and a non-positive n_components are refused."""
    x, y = two_views
    with pytest.raises(ValueError, match=match):
        plotting.plot_canonical_correlations(fitted, x, y, **kwargs)


def test_view_prediction_images(fitted, two_views):
    """Rows show the given view, the true other view and predict_view's output."""
    x, y = two_views
    shapes = ((4, 2), (2, 3))  # the fixture's views have 8 and 6 features
    fig, axes = plotting.plot_view_predictions(
        fitted, x[:5], y[:5], image_shape=shapes
    )
    assert axes.shape == (3, 5)
    assert fig is axes[0, 0].figure
    pred = fitted.predict_view(x[:5], view=0)
    for j in range(5):
        assert_array_equal(axes[0, j].images[0].get_array(), x[j].reshape(4, 2))
        assert_array_equal(axes[1, j].images[0].get_array(), y[j].reshape(2, 3))
        assert_allclose(
            axes[2, j].images[0].get_array(), pred[j].reshape(2, 3), rtol=1e-12
        )


def test_view_prediction_from_view1_into_given_axes(fitted, two_views):
    """view=1 predicts view 0, drawing into the axes passed as `ax`."""
    x, y = two_views
    fig, given = plt.subplots(3, 2)
    out_fig, axes = plotting.plot_view_predictions(
        fitted, y[:2], x[:2], image_shape=((2, 3), (4, 2)), view=1, ax=given
    )
    assert out_fig is fig
    assert axes[2, 1] is given[2, 1]
    pred = fitted.predict_view(y[:2], view=1)
    assert_allclose(axes[2, 1].images[0].get_array(), pred[1].reshape(4, 2),
                    rtol=1e-12)


def test_view_prediction_rejects_wrong_image_shape(fitted, two_views):
    """An image_shape whose pixel count is not the view's width is refused."""
    x, y = two_views
    with pytest.raises(ValueError, match=r"`image_shape` \(8, 4\) holds 32 pixels"):
        plotting.plot_view_predictions(fitted, x[:2], y[:2], image_shape=(8, 4))


def test_view_prediction_rejects_wrong_axes_count(fitted, two_views):
    """An `ax` array of the wrong size is refused with the size it needs."""
    x, y = two_views
    _, given = plt.subplots(2, 2)
    with pytest.raises(ValueError, match=r"`ax` must hold 3 \* n_rows = 6 axes"):
        plotting.plot_view_predictions(
            fitted, x[:2], y[:2], image_shape=((4, 2), (2, 3)), ax=given
        )


def test_missing_matplotlib_gives_clear_error(fitted, monkeypatch):
    """Without matplotlib the module still imports, and a call says what to
    install."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    module = importlib.reload(plotting)
    try:
        with pytest.raises(ImportError, match=r"pip install skcorrnet\[plot\]"):
            module.plot_history(fitted)
    finally:
        monkeypatch.undo()
        importlib.reload(plotting)
