"""Figures of fitted CorrNet models, drawn with matplotlib.

matplotlib is an optional dependency (``pip install skcorrnet[plot]``); it is
imported when a function here is called, not when the module is imported.
Every function accepts an ``ax`` (or array of axes) to draw into and returns
the matplotlib objects it drew on.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["plot_history", "plot_canonical_correlations", "plot_view_predictions"]


def _pyplot():
    """Import and return `matplotlib.pyplot`, or say how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "skcorrnet.plotting needs matplotlib, which is not installed. Install "
            "it with `pip install skcorrnet[plot]` or `pip install matplotlib`."
        ) from exc
    return plt


def plot_history(estimator, *, terms=None, ax=None):
    """Plot the loss and its terms per epoch from ``estimator.history_``.

    Parameters
    ----------
    estimator : CorrNetTransformer
        A fitted model.
    terms : list of str, default=None
        Keys of ``history_`` to draw, e.g. ``["loss", "correlation"]``; every
        training term by default. A validation curve (``val_`` key) is drawn
        dashed, in the colour of its training term, whenever it exists.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure is made when None.

    Returns
    -------
    ax : matplotlib Axes
        The axes; ``ax.get_lines()`` holds one line per drawn key, in order.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skcorrnet import CorrNetTransformer
    >>> from skcorrnet.datasets import load_digits_halves
    >>> from skcorrnet.plotting import plot_history
    >>> left, right, _ = load_digits_halves(return_X_y=True)
    >>> model = CorrNetTransformer(4, max_iter=3, random_state=0)
    >>> ax = plot_history(model.fit(left[:200], right[:200]), terms=["loss"])
    >>> len(ax.get_lines()[0].get_ydata())
    3
    """
    check_is_fitted(estimator, "history_")
    history = estimator.history_
    train_terms = [k for k in history if not k.startswith("val_")]
    if terms is None:
        terms = train_terms
    elif isinstance(terms, str):
        terms = [terms]
    unknown = [k for k in terms if k not in history]
    if unknown:
        raise ValueError(
            f"`terms` must be keys of the estimator's history_, one of "
            f"{sorted(history)}; got unknown {unknown}. Pass terms=None for all "
            "training terms."
        )

    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    for key in terms:
        values = history[key]
        (line,) = ax.plot(np.arange(1, len(values) + 1), values, label=key)
        val_key = f"val_{key}"
        if not key.startswith("val_") and val_key in history:
            val = history[val_key]
            ax.plot(np.arange(1, len(val) + 1), val, linestyle="--",
                    color=line.get_color(), label=val_key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean over the epoch's batches")
    ax.set_title("Training history")
    ax.legend(fontsize="small")
    return ax


def _correlations(model, X, y):
    """Held-out per-component correlations of a CorrNet or a fitted CCA."""
    from .metrics import paired_correlations

    if hasattr(model, "canonical_correlations"):
        return np.asarray(model.canonical_correlations(X, y))
    scores = model.transform(X, y)
    if not isinstance(scores, tuple) or len(scores) != 2:
        raise TypeError(
            f"`models` must hold fitted CorrNetTransformer or CCA-like models whose "
            f"transform(X, y) returns two score arrays; {type(model).__name__} "
            "returned something else."
        )
    return paired_correlations(*scores)


def plot_canonical_correlations(models, X, y=None, *, labels=None, n_components=None,
                                ax=None):
    """Bar chart of held-out per-component correlations, models side by side.

    Parameters
    ----------
    models : estimator or list of estimators
        Fitted `CorrNetTransformer` objects (their ``canonical_correlations``
        is drawn) or fitted `~sklearn.cross_decomposition.CCA`-like objects
        (their ``transform(X, y)`` scores are correlated component by
        component).
    X : array-like of shape (n_samples, n_features)
        The rows to measure on: view 0, or both views for a model with
        ``views`` set.
    y : array-like of shape (n_samples, n_features_y), default=None
        View 1 of the same rows, in two-array mode.
    labels : list of str, default=None
        Legend entry of each model; the class names by default.
    n_components : int, default=None
        Draw only the first ``n_components`` components of each model (the
        legend still gives the sum of those drawn); all by default.
    ax : matplotlib Axes, default=None
        Axes to draw into; a new figure is made when None.

    Returns
    -------
    ax : matplotlib Axes
        The axes; ``ax.containers[i]`` holds the bars of ``models[i]``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skcorrnet import CorrNetTransformer
    >>> from skcorrnet.datasets import load_digits_halves
    >>> from skcorrnet.plotting import plot_canonical_correlations
    >>> left, right, _ = load_digits_halves(return_X_y=True)
    >>> model = CorrNetTransformer(4, max_iter=3, random_state=0)
    >>> model = model.fit(left[:200], right[:200])
    >>> ax = plot_canonical_correlations(model, left[200:400], right[200:400])
    >>> len(ax.containers[0])
    4
    """
    if not isinstance(models, (list, tuple)):
        models = [models]
    if labels is None:
        labels = [type(m).__name__ for m in models]
    if len(labels) != len(models):
        raise ValueError(
            f"`labels` must give one name per model: {len(models)} models but "
            f"{len(labels)} labels. Pass labels=None for the class names."
        )
    if n_components is not None and (
        not isinstance(n_components, (int, np.integer)) or n_components < 1
    ):
        raise ValueError(
            f"`n_components` must be a positive int or None, got {n_components!r}."
        )
    correlations = [_correlations(m, X, y)[:n_components] for m in models]

    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    width = 0.8 / len(models)
    for i, (corr, label) in enumerate(zip(correlations, labels, strict=True)):
        idx = np.arange(1, len(corr) + 1)
        ax.bar(idx + (i - (len(models) - 1) / 2) * width, corr, width,
               label=f"{label} (sum {np.sum(corr):.2f})")
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("component")
    ax.set_ylabel("held-out correlation")
    ax.set_ylim(min(0.0, *(float(np.min(c)) for c in correlations)), 1.0)
    ax.legend(fontsize="small")
    return ax


def plot_view_predictions(estimator, Z, other, *, image_shape, view=0, ax=None):
    """Rows of: the given view, the true other view, the predicted other view.

    Each column is one sample; the prediction is
    ``estimator.predict_view(Z, view=view)``. All images share one grey scale.

    Parameters
    ----------
    estimator : CorrNetTransformer
        A model fitted in two-array mode (``views=None``).
    Z : array-like of shape (n_rows, n_features_of_view)
        The given view for a few samples.
    other : array-like of shape (n_rows, n_features_of_other_view)
        The true other view of the same samples.
    image_shape : tuple of int, or pair of tuples
        Shape of one view as an image, e.g. ``(8, 4)`` for a digit half; a
        pair ``(shape_of_Z, shape_of_other)`` when the views differ.
    view : {0, 1}, default=0
        The view that ``Z`` holds.
    ax : array-like of matplotlib Axes with 3 * n_rows entries, default=None
        Axes to draw into, read as 3 rows by ``n_rows`` columns; a new figure
        is made when None.

    Returns
    -------
    fig : matplotlib Figure
    axes : ndarray of Axes of shape (3, n_rows)
        ``axes[i, j].images[0]`` holds the image of row ``i`` (given view,
        true other view, prediction) for sample ``j``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skcorrnet import CorrNetTransformer
    >>> from skcorrnet.datasets import load_digits_halves
    >>> from skcorrnet.plotting import plot_view_predictions
    >>> left, right, _ = load_digits_halves(return_X_y=True)
    >>> model = CorrNetTransformer(4, max_iter=3, random_state=0)
    >>> model = model.fit(left[:200], right[:200])
    >>> fig, axes = plot_view_predictions(
    ...     model, left[:5], right[:5], image_shape=(8, 4))
    >>> axes.shape
    (3, 5)
    """
    check_is_fitted(estimator)
    if getattr(estimator, "views", None) is not None:
        raise ValueError(
            "plot_view_predictions needs a model fitted in two-array mode "
            f"(views=None), got views={estimator.views!r}. Fit the model as "
            "fit(view0, view1) to draw its predictions."
        )
    Z = np.asarray(Z, dtype=float)
    other = np.asarray(other, dtype=float)
    if Z.ndim != 2 or other.shape[0] != Z.shape[0]:
        raise ValueError(
            "`Z` and `other` must be 2-D arrays with one row per sample, got "
            f"shapes {Z.shape} and {other.shape}."
        )
    shapes = _image_shapes(image_shape)
    for name, arr, shape in (("Z", Z, shapes[0]), ("other", other, shapes[1])):
        if arr.shape[1] != np.prod(shape):
            raise ValueError(
                f"`image_shape` {shape} holds {int(np.prod(shape))} pixels but "
                f"`{name}` has {arr.shape[1]} features per row. Pass the shape of "
                "one view as an image, or a pair of shapes when the views differ."
            )
    pred = estimator.predict_view(Z, view=view)

    plt = _pyplot()
    n = Z.shape[0]
    if ax is None:
        fig, ax = plt.subplots(
            3, n, figsize=(0.9 * n + 1.5, 5.0), squeeze=False, layout="constrained"
        )
    else:
        ax = np.asarray(ax, dtype=object)
        if ax.size != 3 * n:
            raise ValueError(
                f"`ax` must hold 3 * n_rows = {3 * n} axes (given view, true "
                f"and predicted other view for each of {n} rows), got {ax.size}."
            )
        ax = ax.reshape(3, n)
        fig = ax[0, 0].figure
    vmin = min(Z.min(), other.min())
    vmax = max(Z.max(), other.max())
    titles = (f"view {view}", f"true\nview {1 - view}", f"predicted\nview {1 - view}")
    for j in range(n):
        images = (Z[j].reshape(shapes[0]), other[j].reshape(shapes[1]),
                  pred[j].reshape(shapes[1]))
        for i, img in enumerate(images):
            ax[i, j].imshow(img, cmap="gray_r", vmin=vmin, vmax=vmax)
            ax[i, j].set_xticks([])
            ax[i, j].set_yticks([])
    for i, title in enumerate(titles):
        ax[i, 0].set_ylabel(title, rotation=0, ha="right", va="center")
    return fig, ax


def _image_shapes(image_shape):
    """``(shape_of_Z, shape_of_other)`` from one shape or a pair of shapes."""
    if len(image_shape) == 2 and all(
        isinstance(s, (tuple, list)) for s in image_shape
    ):
        return tuple(tuple(s) for s in image_shape)
    return tuple(image_shape), tuple(image_shape)
