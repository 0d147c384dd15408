"""Side-by-side evaluation of CorrNet and linear CCA on one split.

Used by the main job (``python -m skcorrnet``), the tests of the quality
numbers and the benchmarks, so that all three measure the same things.
"""

import time
import warnings

import numpy as np
from sklearn.cross_decomposition import CCA
from sklearn.exceptions import ConvergenceWarning

from .metrics import paired_correlations, transfer_accuracy

__all__ = ["evaluate", "evaluate_cca", "evaluate_corrnet"]


def _summary(name, corr, codes, labels, pred_err, seconds, top):
    a_tr, b_tr, a_te, b_te = codes
    y_tr, y_te = labels
    row = {"model": name, f"top{top}_corr": float(np.sum(corr[:top]))}
    if y_tr is not None:
        row["acc_0to1"] = transfer_accuracy(a_tr, y_tr, b_te, y_te)
        row["acc_1to0"] = transfer_accuracy(b_tr, y_tr, a_te, y_te)
    row["pred_mse"] = pred_err
    row["fit_s"] = seconds
    return row


def evaluate_cca(x_tr, y_tr, x_te, y_te, labels=(None, None), *, top=10):
    """Fit sklearn's CCA with ``top`` components and measure it."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cca = CCA(n_components=top, max_iter=2000).fit(x_tr, y_tr)
    seconds = time.perf_counter() - start
    a_tr, b_tr = cca.transform(x_tr, y_tr)
    a_te, b_te = cca.transform(x_te, y_te)
    corr = paired_correlations(a_te, b_te)
    err = float(np.mean((cca.predict(x_te) - y_te) ** 2))
    return _summary(
        f"linear CCA (k={top})", corr, (a_tr, b_tr, a_te, b_te), labels, err,
        seconds, top,
    )


def evaluate_corrnet(model, x_tr, y_tr, x_te, y_te, labels=(None, None), *,
                     top=10, name=None):
    """Fit a `CorrNetTransformer` (two-array mode) and measure it."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_tr, y_tr)
    seconds = time.perf_counter() - start
    codes = (
        model.transform_view(x_tr, 0),
        model.transform_view(y_tr, 1),
        model.transform_view(x_te, 0),
        model.transform_view(y_te, 1),
    )
    corr = model.canonical_correlations(x_te, y_te)
    err = float(np.mean((model.predict_view(x_te, 0) - y_te) ** 2))
    if name is None:
        name = f"CorrNet (lambda={model.correlation_weight:g})"
    return _summary(name, corr, codes, labels, err, seconds, top)


def evaluate(models, x_tr, y_tr, x_te, y_te, labels=(None, None), *, top=10):
    """Rows of measurements: linear CCA first, then each ``(name, model)``."""
    # import TensorFlow now, so that fit_s times training, not the import
    from . import _network  # noqa: F401

    rows = [evaluate_cca(x_tr, y_tr, x_te, y_te, labels, top=top)]
    for name, model in models:
        rows.append(
            evaluate_corrnet(model, x_tr, y_tr, x_te, y_te, labels, top=top, name=name)
        )
    return rows


def format_table(rows):
    """A plain-text table of `evaluate` rows."""
    keys = list(rows[0])
    widths = {
        k: max(len(k), *(len(_fmt(r.get(k))) for r in rows)) for k in keys
    }
    lines = ["  ".join(k.ljust(widths[k]) for k in keys)]
    lines.append("  ".join("-" * widths[k] for k in keys))
    for r in rows:
        lines.append("  ".join(_fmt(r.get(k)).ljust(widths[k]) for k in keys))
    return "\n".join(lines)


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1 else f"{value:.3f}"
    return str(value)
