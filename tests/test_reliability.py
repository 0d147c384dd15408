"""Numerical safety, divergence, interruption, repeatability and memory of fits."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.utils.validation import check_is_fitted

import skcorrnet
from skcorrnet import CorrNetTransformer, _network

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n=60, seed=0):
    rng = np.random.RandomState(seed)
    latent = rng.randn(n, 2)
    x = latent @ rng.randn(2, 5) + 0.1 * rng.randn(n, 5)
    y = latent @ rng.randn(2, 4) + 0.1 * rng.randn(n, 4)
    return x, y


def _tiny(**params):
    base = dict(n_components=3, max_iter=3, batch_size=30, random_state=0)
    base.update(params)
    return CorrNetTransformer(**base)


def _assert_usable(model, x, y):
    """Fitted, and every output is finite."""
    check_is_fitted(model)
    for out in (
        model.transform(x, y),
        model.transform_view(x, 0),
        model.transform_view(y, 1),
        model.predict_view(x, 0),
        model.canonical_correlations_,
    ):
        assert np.isfinite(out).all()
    assert np.isfinite(model.score(x, y))


@pytest.mark.parametrize(
    "case",
    ["constant columns", "all-zero view", "magnitude 1e6", "dead units"],
)
def test_degenerate_data_never_gives_nan_codes(case):
    """Constant columns, a zero view, huge values and dead units give finite codes."""
    x, y = _data()
    model = _tiny()
    if case == "constant columns":
        x[:, [0, 3]] = 7.0
        y[:, 1] = 0.0
    elif case == "all-zero view":
        y[:] = 0.0
    elif case == "magnitude 1e6":
        x, y = x * 1e6, y * 1e6
    else:
        # every unit dead: a large negative code bias keeps each ReLU at 0
        model.fit(x, y)
        model._params["code_bias"][:] = -1e3
        model.set_params(warm_start=True)
    model.fit(x, y)
    _assert_usable(model, x, y)
    if case == "dead units":
        assert_array_equal(model.transform_view(x, 0), model.transform_view(y, 1))


def test_small_batches_warn_and_stay_finite():
    """A batch not larger than n_components warns with advice; codes stay finite."""
    x, y = _data()
    with pytest.warns(UserWarning, match="Batches of 2 rows, set by `batch_size=2`"):
        model = _tiny(n_components=4, batch_size=2).fit(x, y)
    _assert_usable(model, x, y)


def test_batch_capped_by_few_rows_warns_about_the_rows():
    """With fewer rows than batch_size, the warning blames the rows and suggests."""
    x, y = _data(n=4)
    with pytest.warns(UserWarning, match="the 4 training rows.*several times"):
        _tiny(n_components=4, batch_size=100, max_iter=1).fit(x, y)
    with pytest.warns(UserWarning, match="Batches of 3 rows"):
        _tiny(n_components=4, batch_size=3, max_iter=1).partial_fit(x, y)


def test_batches_larger_than_n_components_do_not_warn():
    """The default-sized batch on enough rows raises no batch warning."""
    x, y = _data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _tiny(max_iter=1).fit(x, y)
    assert not [w for w in caught if "Batches of" in str(w.message)]


@pytest.mark.parametrize(
    "params, scale",
    [
        (dict(optimizer="sgd", learning_rate=1e6), 1e3),
        (dict(optimizer="adam", learning_rate=1e30), 1e6),
    ],
)
def test_divergence_stops_restores_and_warns(params, scale):
    """A loss that turns NaN stops training with advice; the model stays usable."""
    x, y = _data()
    with pytest.warns(RuntimeWarning, match="NaN or infinite.*smaller `learning_rate`"):
        model = _tiny(max_iter=20, **params).fit(x * scale, y * scale)
    assert model.n_iter_ < 20
    assert all(np.isfinite(v).all() for v in model.history_.values())
    assert len(model.history_["loss"]) == model.n_iter_
    for weights in model._params.values():
        assert np.isfinite(weights).all()
    _assert_usable(model, x * scale, y * scale)


def _interrupt_after(monkeypatch, epochs, send):
    """Call ``send`` once the watch callback has seen ``epochs`` epochs end."""
    original = _network._Watch.on_epoch_end

    def on_epoch_end(self, epoch, logs=None):
        original(self, epoch, logs)
        if epoch + 1 == epochs:
            send()

    monkeypatch.setattr(_network._Watch, "on_epoch_end", on_epoch_end)


def _long_fit():
    # never converges by itself within the test: tol=0 and a long patience
    return _tiny(max_iter=400, tol=0.0, n_iter_no_change=10_000)


def test_sigint_during_fit_keeps_weights_and_warns(monkeypatch):
    """Ctrl-C in the middle of fit stops it; the model is fitted and usable."""
    x, y = _data()
    _interrupt_after(monkeypatch, 3, lambda: signal.raise_signal(signal.SIGINT))
    with pytest.warns(UserWarning, match="interrupted.*weights reached so far"):
        model = _long_fit().fit(x, y)
    # the signal lands inside the third epoch's callbacks, before its history
    assert 2 <= model.n_iter_ < 400
    assert len(model.history_["loss"]) == model.n_iter_
    _assert_usable(model, x, y)
    monkeypatch.undo()
    model.partial_fit(x, y)  # training can resume after the interruption
    _assert_usable(model, x, y)


def test_sigint_from_another_thread_interrupts_fit(monkeypatch):
    """A SIGINT sent by another thread, as a terminal does, stops fit cleanly."""
    x, y = _data()
    started = threading.Event()
    _interrupt_after(monkeypatch, 2, started.set)

    def kill():
        if started.wait(timeout=120):
            os.kill(os.getpid(), signal.SIGINT)

    killer = threading.Thread(target=kill, daemon=True)
    killer.start()
    with pytest.warns(UserWarning, match="interrupted"):
        model = _long_fit().fit(x, y)
    killer.join()
    assert 1 <= model.n_iter_ < 400
    assert len(model.history_["loss"]) == model.n_iter_
    _assert_usable(model, x, y)


def test_same_random_state_gives_bitwise_identical_codes():
    """Two fits with one int random_state transform bit for bit alike."""
    x, y = _data()
    first = _tiny().fit(x, y)
    second = _tiny().fit(x, y)
    assert_array_equal(first.transform(x, y), second.transform(x, y))
    assert_array_equal(first.transform_view(y, 1), second.transform_view(y, 1))
    assert first.history_ == second.history_
    other = _tiny(random_state=1).fit(x, y)
    assert not np.array_equal(other.transform(x, y), first.transform(x, y))


_MEMORY_SCRIPT = textwrap.dedent(
    """
    import os, warnings
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    from skcorrnet import CorrNetTransformer

    def peak_mb():
        with open("/proc/self/status") as fh:
            line = next(line for line in fh if line.startswith("VmHWM"))
        return int(line.split()[1]) / 1024

    warnings.simplefilter("ignore")
    rng = np.random.RandomState(0)
    x, y = rng.randn(60, 5), rng.randn(60, 4)

    def fit(seed):
        # settings and row counts vary as in a search; the architecture does not
        rows = 40 + seed % 20
        model = CorrNetTransformer(
            n_components=3, max_iter=2, batch_size=30, random_state=seed,
            correlation_weight=float(seed % 4), learning_rate=1e-3 * (1 + seed % 3),
        )
        model.fit(x[:rows], y[:rows]).transform(x, y)

    for seed in range(3):  # warm-up: imports, kernels, first traces
        fit(seed)
    before = peak_mb()
    for seed in range(30):
        fit(seed)
    print(peak_mb() - before)
    """
)


@pytest.mark.slow
def test_thirty_fits_grow_peak_memory_by_at_most_150_mb():
    """Fitting 30 small models in one process grows its peak RSS by <= 150 MB.

    TensorFlow never frees the graphs a Keras model traces (about 5 MB a
    model here), so this holds only because fits borrow pooled models.
    """
    if not os.path.exists("/proc/self/status"):
        pytest.skip("needs /proc to read the peak resident memory")
    root = os.path.dirname(os.path.dirname(os.path.abspath(skcorrnet.__file__)))
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT],
        capture_output=True, text=True, check=True, env=env, timeout=600,
    )
    growth = float(out.stdout.strip().splitlines()[-1])
    assert growth <= 150, f"peak RSS grew by {growth:.0f} MB over 30 fits"


def test_sigint_with_early_stopping_keeps_the_best_validation_weights(monkeypatch):
    """Interrupted with a validation split, the model keeps its best epoch."""
    x, y = _data()
    seen = []  # (val_loss, weights) at the end of each epoch
    original = _network._Watch.on_epoch_end

    def on_epoch_end(self, epoch, logs=None):
        original(self, epoch, logs)
        seen.append((logs["val_loss"], self.model.params()))
        if epoch + 1 == 6:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(_network._Watch, "on_epoch_end", on_epoch_end)
    model = _long_fit().set_params(early_stopping=True, validation_fraction=0.3)
    with pytest.warns(UserWarning, match="interrupted"):
        model.fit(x, y)
    # early stopping had seen epochs 1-5 when the signal came in epoch 6
    best = min(range(5), key=lambda i: seen[i][0])
    for name, weights in seen[best][1].items():
        assert_array_equal(model._params[name].astype(np.float32), weights)


@pytest.mark.parametrize("constant_view", [0, 1])
def test_constant_view_warns_and_keeps_correlations_finite(constant_view):
    """A view without variation is named in a warning; nothing turns NaN."""
    from skcorrnet.datasets import load_digits_halves

    left, right, _ = load_digits_halves(return_X_y=True)
    views = [left[:300], right[:300]]
    views[constant_view] = np.full_like(views[constant_view], 0.5)
    model = CorrNetTransformer(n_components=5, max_iter=2, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(*views)
    messages = [str(w.message) for w in caught]
    assert any(f"View {constant_view} has the same value" in m for m in messages)
    assert not any(issubclass(w.category, RuntimeWarning) for w in caught)
    assert np.isfinite(model.canonical_correlations_).all()
    # codes of a constant view correlate with nothing
    assert np.abs(model.canonical_correlations(*views)).max() < 1e-6
