"""Bad input to every entry point gives an error that names the problem and fix."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from skcorrnet import CorrNetTransformer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# (kind, builder of a bad array with n columns, exception, phrase of the message)
_BAD = {
    "nan": (lambda n: np.full((3, n), np.nan), ValueError, "contains NaN"),
    "inf": (
        lambda n: np.full((3, n), np.inf),
        ValueError,
        "infinity.*Replace or clip",
    ),
    "ragged": (
        lambda n: [[0.0] * n, [0.0] * (n + 1)],
        ValueError,
        "same number of columns in every row",
    ),
    "3-D": (lambda n: np.zeros((3, n, 2)), ValueError, "dim 3.*Reshape"),
    "object": (
        lambda n: np.array([["a"] + [0.0] * (n - 1)] * 3, dtype=object),
        ValueError,
        "must hold numbers only",
    ),
    "complex": (lambda n: np.zeros((3, n), dtype=complex), ValueError, "complex"),
    "empty": (lambda n: np.zeros((0, n)), ValueError, "0 sample"),
}

# Entry points of a fitted two-array model (4 components, 8 + 6 features):
# each takes one bad array and puts it where it is validated.
_FITTED_CALLS = {
    "transform X": (8, lambda m, bad, x, y: m.transform(bad)),
    "transform y": (6, lambda m, bad, x, y: m.transform(x[:3], bad)),
    "transform_view 0": (8, lambda m, bad, x, y: m.transform_view(bad, 0)),
    "transform_view 1": (6, lambda m, bad, x, y: m.transform_view(bad, 1)),
    "predict_view 0": (8, lambda m, bad, x, y: m.predict_view(bad, 0)),
    "predict_view 1": (6, lambda m, bad, x, y: m.predict_view(bad, 1)),
    "inverse_transform": (4, lambda m, bad, x, y: m.inverse_transform(bad)),
    "score X": (8, lambda m, bad, x, y: m.score(bad, y[:3])),
    "score y": (6, lambda m, bad, x, y: m.score(x[:3], bad)),
    "partial_fit X": (8, lambda m, bad, x, y: clone(m).partial_fit(bad, y[:3])),
    "partial_fit y": (6, lambda m, bad, x, y: clone(m).partial_fit(x[:3], bad)),
    "fit X": (8, lambda m, bad, x, y: clone(m).fit(bad, y[:3])),
    "fit y": (6, lambda m, bad, x, y: clone(m).fit(x[:3], bad)),
}


@pytest.mark.parametrize("call", list(_FITTED_CALLS))
@pytest.mark.parametrize("kind", list(_BAD))
def test_bad_values_and_shapes_are_refused(fitted, two_views, call, kind):
    """NaN, inf, ragged, 3-D, text, complex and empty input raise with advice."""
    x, y = two_views
    n_cols, run = _FITTED_CALLS[call]
    build, error, phrase = _BAD[kind]
    with pytest.raises(error, match=phrase):
        run(fitted, build(n_cols), x, y)


@pytest.mark.parametrize("method", ["fit", "partial_fit", "transform", "score"])
def test_mismatched_rows_are_refused(fitted, two_views, method):
    """X and y with different numbers of rows raise, saying they must pair up."""
    x, y = two_views
    model = clone(fitted) if "fit" in method else fitted
    with pytest.raises(ValueError, match="inconsistent numbers of samples.*same"):
        getattr(model, method)(x[:10], y[:9])


def test_one_row_transforms_but_does_not_fit(fitted, two_views):
    """One row is enough to transform, too few to fit or to score."""
    x, y = two_views
    assert fitted.transform(x[:1]).shape == (1, 4)
    assert fitted.transform(x[:1], y[:1]).shape == (1, 4)
    assert fitted.transform_view(y[:1], 1).shape == (1, 4)
    with pytest.raises(ValueError, match="minimum of 2.*at least 2 rows"):
        clone(fitted).fit(x[:1], y[:1])
    with pytest.raises(ValueError, match="at least 2 rows"):
        fitted.score(x[:1], y[:1])


def test_missing_second_view_is_refused(fitted, two_views):
    """fit and score without y in two-array mode say to pass y or set views."""
    x, _ = two_views
    with pytest.raises(ValueError, match="requires y.*set `views`"):
        clone(fitted).fit(x)
    with pytest.raises(ValueError, match="requires y.*set `views`"):
        fitted.score(x)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m, x, y: m.transform(x[:, :5]),
         "X has 5 features.*expecting 8.*X is view 0.*columns it had at fit"),
        (lambda m, x, y: m.transform(x, y[:, :5]), "`y` has 5 features.*fitted with 6"),
        (lambda m, x, y: m.transform_view(y, 0),
         "X has 6 features.*expecting 8.*`Z` is view 0"),
        (lambda m, x, y: m.transform_view(x, 1),
         r"`Z` \(view 1\) has 8 features.*fitted with 6"),
        (lambda m, x, y: m.predict_view(y, 0), "X has 6 features"),
        (lambda m, x, y: m.inverse_transform(x), "n_components=4 columns, got 8"),
        (lambda m, x, y: m.score(x, y[:, :2]), "`y` has 2 features"),
    ],
)
def test_wrong_width_after_fit_is_refused(fitted, two_views, call, match):
    """A width other than at fit raises, echoing both widths."""
    x, y = two_views
    with pytest.raises(ValueError, match=match):
        call(fitted, x, y)


def test_wrong_width_in_views_mode_says_both_views_are_needed(two_views):
    """With `views` set, one view alone is refused with a pointer to transform_view."""
    x, y = two_views
    model = CorrNetTransformer(n_components=2, views=8, max_iter=1, random_state=0)
    model.fit(np.hstack([x, y]))
    with pytest.raises(ValueError, match="X has 8 features.*expecting 14.*both "
                       "views.*transform_view"):
        model.transform(x)


def test_partial_fit_keeps_the_widths_of_its_first_call(two_views):
    """A later partial_fit with other widths raises instead of rebuilding."""
    x, y = two_views
    model = CorrNetTransformer(n_components=2, batch_size=50, random_state=0)
    model.partial_fit(x, y)
    with pytest.raises(ValueError, match="X has 7 features.*expecting 8"):
        model.partial_fit(x[:, :7], y)
    with pytest.raises(ValueError, match="y has 5 features.*expecting 6"):
        model.partial_fit(x, y[:, :5])


@pytest.fixture(scope="module")
def frame_model(two_views):
    """A one-epoch model fitted on a DataFrame whose views are named columns."""
    x, y = two_views
    frame = pd.DataFrame(
        np.hstack([x, y]), columns=[f"a{i}" for i in range(8)] + ["b0", "b1", "c"]
        + [f"b{i}" for i in range(2, 5)]
    )
    views = ([f"a{i}" for i in range(8)], [f"b{i}" for i in range(5)])
    model = CorrNetTransformer(n_components=2, max_iter=1, views=views, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(frame)
    return model, frame


def test_renamed_or_reordered_columns_are_refused(frame_model):
    """Column names other than at fit raise; dropping the names only warns."""
    model, frame = frame_model
    renamed = frame.rename(columns={"a0": "z"})
    with pytest.raises(ValueError, match="(?s)feature names should match.*- z"):
        model.transform(renamed)
    with pytest.raises(ValueError, match="feature names should match"):
        model.transform(frame[frame.columns[::-1]])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        model.transform(frame.to_numpy())


@pytest.mark.parametrize(
    "views, match",
    [
        (([0, 1], [20]), r"`views\[1\]` has column indices \[20\] out of range"),
        (([0, 1], [1, 2]), r"overlap on columns \[1\]"),
        (([0, 0], [2]), r"`views\[0\]` selects a column more than once"),
        (([], [2]), r"`views\[0\]` selects no column"),
        (([0], [1], [2]), "must be an int k .* or a pair"),
        (14, "view 1 would be empty: give an int between 1 and 13"),
        (([0.5], [1]), "must hold column indices"),
        (([True, False], [1]), "boolean mask of length 2, but X has 14 columns"),
        ((["a0"], ["b0"]), "names columns .* but X has no column names"),
    ],
)
def test_bad_views_are_refused_at_fit(two_views, views, match):
    """Out-of-range, overlapping, repeated, empty or named specs raise at fit."""
    x, y = two_views
    model = CorrNetTransformer(n_components=2, max_iter=1, views=views)
    with pytest.raises(ValueError, match=match):
        model.fit(np.hstack([x, y]))


def test_views_naming_missing_columns_are_refused(frame_model):
    """A view naming a DataFrame column that is not there lists what exists."""
    _, frame = frame_model
    model = CorrNetTransformer(n_components=2, max_iter=1, views=(["a0"], ["nope"]))
    with pytest.raises(ValueError, match=r"does not have: \['nope'\].*start with"):
        model.fit(frame)


@pytest.mark.parametrize(
    "param, value",
    [
        ("n_components", 0),
        ("activation", "softmax"),
        ("learning_rate", 0.0),
        ("batch_size", 0),
        ("max_iter", 0),
        ("validation_fraction", 1.0),
        ("optimizer", "nadam"),
        ("views", "left"),
        ("correlation_weight", -1.0),
    ],
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_invalid_parameters_are_refused(two_views, param, value, method):
    """An invalid hyperparameter raises InvalidParameterError naming it."""
    x, y = two_views
    model = CorrNetTransformer(**{param: value})
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        getattr(model, method)(x, y)


@pytest.mark.parametrize("view", [2, -1, 0.0, True, "0", None])
@pytest.mark.parametrize("method", ["transform_view", "predict_view"])
def test_view_index_other_than_0_or_1_is_refused(fitted, two_views, view, method):
    """`view` must be the int 0 or 1; the message says which view each is."""
    x, _ = two_views
    with pytest.raises(ValueError, match="`view` must be 0 .* or 1 "):
        getattr(fitted, method)(x, view)


@pytest.mark.parametrize("where", ["X", "y"])
@pytest.mark.parametrize("method", ["fit", "transform"])
def test_sparse_input_says_to_densify(fitted, two_views, where, method):
    """A sparse matrix raises a TypeError that says how to make it dense."""
    x, y = two_views
    x = sp.csr_matrix(x) if where == "X" else x
    y = sp.csr_matrix(y) if where == "y" else y
    model = clone(fitted) if method == "fit" else fitted
    with pytest.raises(TypeError, match="dense data is required.*toarray"):
        getattr(model, method)(x, y)


def test_lists_float32_and_readonly_memmaps_are_accepted(fitted, two_views, tmp_path):
    """Lists, float32 and read-only memmaps give the codes of the float64 array."""
    x, y = two_views
    expected = fitted.transform(x, y)
    assert_array_equal(fitted.transform(x.tolist(), y.tolist()), expected)
    # float32 inputs differ from the float64 ones by their rounding, ~1e-7
    assert_allclose(
        fitted.transform(x.astype(np.float32), y.astype(np.float32)),
        expected, rtol=1e-4, atol=1e-5,
    )
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    xm = np.load(tmp_path / "x.npy", mmap_mode="r")
    ym = np.load(tmp_path / "y.npy", mmap_mode="r")
    assert_array_equal(fitted.transform(xm, ym), expected)
    refit = clone(fitted).set_params(max_iter=2).fit(xm, ym)
    assert np.isfinite(refit.transform(xm, ym)).all()


def test_one_column_y_is_taken_as_one_feature(two_views):
    """A 1-D y of real values is one column, and fits."""
    x, y = two_views
    model = CorrNetTransformer(n_components=2, max_iter=1, random_state=0)
    model.fit(x, y[:, 0])
    assert model.n_features_views_ == (8, 1)
    assert model.transform_view(y[:, :1], 1).shape == (200, 2)


def _readonly_copies(*arrays):
    out = []
    for a in arrays:
        a = a.copy()
        if isinstance(a, np.ndarray):
            a.setflags(write=False)
        out.append(a)
    return out


def test_user_arrays_are_never_modified(two_views):
    """fit and every method leave arrays, views and DataFrames as they were."""
    x, y = two_views
    xr, yr = _readonly_copies(x, y)  # a write into them would raise
    model = CorrNetTransformer(n_components=2, max_iter=1, random_state=0)
    model.fit(xr, yr)
    model.partial_fit(xr, yr)
    codes = model.transform(xr, yr)
    model.transform_view(yr, 1)
    model.predict_view(xr, 0)
    model.score(xr, yr)
    codes_copy = codes.copy()
    codes.setflags(write=False)
    model.inverse_transform(codes)
    assert_array_equal(xr, x)
    assert_array_equal(yr, y)
    assert_array_equal(codes, codes_copy)

    frame = pd.DataFrame(np.hstack([x, y]), columns=[f"f{i}" for i in range(14)])
    before = frame.copy()
    views = [[f"f{i}" for i in range(8)], slice(8, None)]
    views_before = [list(views[0]), views[1]]
    framed = CorrNetTransformer(n_components=2, max_iter=1, views=views)
    framed.fit(frame)
    framed.transform(frame)
    framed.transform_view(frame, 1)
    framed.inverse_transform(framed.transform(frame))
    pd.testing.assert_frame_equal(frame, before)
    assert views == views_before


def test_renamed_or_reordered_second_view_columns_are_refused(two_views):
    """Two-array mode checks the column names of y as it does those of X."""
    x, y = two_views
    names = [f"r{i}" for i in range(y.shape[1])]
    frame = pd.DataFrame(y, columns=names)
    model = CorrNetTransformer(n_components=2, max_iter=1, random_state=0)
    model.fit(x, frame)
    model.transform(x, frame)  # the same names pass
    with pytest.raises(ValueError, match="column names of the second view"):
        model.transform(x, frame[names[::-1]])
    with pytest.raises(ValueError, match="same names, in the same order"):
        model.score(x, frame.rename(columns={"r0": "other"}))


def test_nan_error_gives_advice_for_this_estimator(two_views):
    """The NaN error says how to impute, not scikit-learn's supervised advice."""
    x, y = two_views
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="contains NaN. Impute") as info:
        CorrNetTransformer(n_components=2, max_iter=1).fit(bad, y)
    assert "HistGradientBoosting" not in str(info.value)


def test_warm_start_on_other_widths_is_refused(two_views):
    """warm_start cannot continue a network on views of other widths."""
    x, y = two_views
    model = CorrNetTransformer(n_components=2, max_iter=1, warm_start=True)
    model.fit(x, y)
    expected = r"warm_start=True continues.*\(8, 6\).*\(7, 6\)"
    with pytest.raises(ValueError, match=expected):
        model.fit(x[:, :7], y)
