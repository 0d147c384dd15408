"""Random shapes, dtypes and values thrown at the validation layer.

Every call must either give a correct result or raise one of the documented
errors (ValueError or TypeError); nothing else, and never a NaN code.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from skcorrnet import CorrNetTransformer
from skcorrnet._views import resolve_views

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

_SETTINGS = settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# values a user may pass: ordinary, large (1e6, the magnitude the estimator
# promises finite codes for), and the non-finite ones validation must refuse
_FINITE = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=32)
_ANY = st.one_of(_FINITE, st.just(np.nan), st.just(np.inf), st.just(-np.inf))
_DTYPES = st.sampled_from(
    [np.float64, np.float32, np.int64, np.int8, np.bool_, np.complex128]
)


@st.composite
def _arrays(draw, width):
    """Arrays of 1 to 3 dimensions, most 2-D of the right width, any dtype."""
    ndim = draw(st.sampled_from([1, 2, 2, 2, 3]))
    rows = draw(st.integers(0, 5))
    cols = draw(st.sampled_from([width, width, width - 1, width + 1]))
    shape = {1: (rows,), 2: (rows, cols), 3: (rows, cols, 2)}[ndim]
    dtype = draw(_DTYPES)
    values = _ANY if np.dtype(dtype).kind in "fc" else _FINITE
    data = draw(hnp.arrays(np.float64, shape, elements=values))
    with np.errstate(invalid="ignore", over="ignore"):
        if np.dtype(dtype).kind in "iub":
            data = np.nan_to_num(data).clip(-100, 100)
        return data.astype(dtype)


def _acceptable(array, width):
    """Whether the contract promises a result for this input."""
    return (
        array.ndim == 2
        and array.shape[0] >= 1
        and array.shape[1] == width
        and array.dtype.kind != "c"
        and bool(np.isfinite(array).all())
    )


def _check(call, array, width, n_components):
    try:
        out = call(array)
    except (ValueError, TypeError) as exc:
        assert not _acceptable(array, width), f"refused a valid input: {exc}"
        assert str(exc)  # every refusal says something
        return
    assert _acceptable(array, width), f"accepted {array.dtype} {array.shape}"
    assert out.shape == (array.shape[0], n_components)
    assert np.isfinite(out).all()


@_SETTINGS
@given(data=st.data())
def test_transform_accepts_valid_input_and_refuses_the_rest(fitted, data):
    """transform and transform_view give finite codes or a documented error."""
    view = data.draw(st.sampled_from([0, 1]))
    width = fitted.n_features_views_[view]
    array = data.draw(_arrays(width))
    _check(lambda a: fitted.transform_view(a, view), array, width, 4)
    if view == 0:
        _check(fitted.transform, array, width, 4)


@_SETTINGS
@given(data=st.data())
def test_inverse_transform_accepts_codes_only(fitted, data):
    """inverse_transform decodes well-formed codes and refuses anything else."""
    codes = data.draw(_arrays(4))
    try:
        out = fitted.inverse_transform(codes)
    except (ValueError, TypeError):
        assert not _acceptable(codes, 4)
        return
    assert _acceptable(codes, 4)
    assert out.shape == (codes.shape[0], 8)


@settings(max_examples=60, deadline=None)
@given(
    n_features=st.integers(1, 8),
    view0=st.lists(st.integers(-10, 10), max_size=5),
    view1=st.lists(st.integers(-10, 10), max_size=5),
)
def test_views_specs_resolve_or_raise(n_features, view0, view1):
    """Index views resolve to disjoint, in-range, non-empty columns or raise."""
    def valid(spec):
        return (
            len(spec) > 0
            and all(-n_features <= i < n_features for i in spec)
            and len({i % n_features for i in spec}) == len(spec)
        )

    expected = valid(view0) and valid(view1) and not (
        {i % n_features for i in view0} & {i % n_features for i in view1}
    )
    try:
        idx0, idx1 = resolve_views((view0, view1), n_features)
    except ValueError:
        assert not expected
        return
    assert expected
    assert sorted(idx0) == sorted(i % n_features for i in view0)
    assert not set(idx0.tolist()) & set(idx1.tolist())


@settings(max_examples=5, deadline=None)
@given(
    rows=st.integers(2, 12),
    widths=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    n_components=st.integers(1, 3),
    scale=st.sampled_from([1e-3, 1.0, 1e6]),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_fit_on_random_shapes_gives_finite_codes(
    rows, widths, n_components, scale, dtype, seed
):
    """Any finite 2-D data of at least 2 rows fits in one epoch to finite codes."""
    rng = np.random.RandomState(seed)
    x = (scale * rng.randn(rows, widths[0])).astype(dtype)
    y = (scale * rng.randn(rows, widths[1])).astype(dtype)
    model = CorrNetTransformer(
        n_components=n_components, max_iter=1, batch_size=8, random_state=seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tiny batches warn
        model.fit(x, y)
    for codes in (model.transform(x, y), model.transform_view(y, 1)):
        assert codes.shape == (rows, n_components)
        assert np.isfinite(codes).all()
