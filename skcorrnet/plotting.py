"""Figures of fitted CorrNet models, drawn with matplotlib.

matplotlib is an optional dependency (``pip install skcorrnet[plot]``); it is
imported when a function here is called, not when the module is imported.
Every function accepts an ``ax`` (or array of axes) to draw into and returns
the matplotlib objects it drew on.
"""

import numpy as np

__all__ = ["plot_history", "plot_canonical_correlations", "plot_view_predictions"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "skcorrnet.plotting needs matplotlib. Install it with "
            "`pip install skcorrnet[plot]` or `pip install matplotlib`."
        ) from exc
    return plt


def plot_history(estimator, *, terms=None, ax=None):
    """Plot the loss and its terms per epoch from ``estimator.history_``.

    Parameters
    ----------
    estimator : fitted CorrNetTransformer
    terms : list of str, default=None
        Keys of ``history_`` to draw; all training terms by default. Validation
        curves (``val_`` keys) are drawn dashed beside their training term.
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    plt = _pyplot()
    history = estimator.history_
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    if terms is None:
        terms = [k for k in history if not k.startswith("val_")]
    epochs = np.arange(1, len(history[terms[0]]) + 1)
    for key in terms:
        (line,) = ax.plot(epochs, history[key], label=key)
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], linestyle="--",
                    color=line.get_color(), label=f"val_{key}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("value per batch")
    ax.set_title("Training history")
    ax.legend(fontsize="small")
    return ax


def plot_canonical_correlations(models, X, y=None, *, labels=None, ax=None):
    """Bar chart of held-out per-component correlations, models side by side.

    Parameters
    ----------
    models : estimator or list of estimators
        Fitted `CorrNetTransformer` objects (their ``canonical_correlations``
        is used) or fitted `~sklearn.cross_decomposition.CCA` objects (their
        test scores are correlated component by component).
    X, y : array-like
        The rows to measure on, as each model's ``transform`` takes them.
    labels : list of str, default=None
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    from .metrics import paired_correlations

    plt = _pyplot()
    if not isinstance(models, (list, tuple)):
        models = [models]
    if labels is None:
        labels = [type(m).__name__ for m in models]
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / len(models)
    for i, (model, label) in enumerate(zip(models, labels)):
        if hasattr(model, "canonical_correlations"):
            corr = model.canonical_correlations(X, y)
        else:
            corr = paired_correlations(*model.transform(X, y))
        idx = np.arange(1, len(corr) + 1)
        ax.bar(idx + (i - (len(models) - 1) / 2) * width, corr, width,
               label=f"{label} (sum {np.sum(corr):.2f})")
    ax.set_xlabel("component")
    ax.set_ylabel("held-out correlation")
    ax.set_ylim(0, 1)
    ax.legend(fontsize="small")
    return ax


def plot_view_predictions(estimator, Z, other, *, image_shape, view=0, ax=None):
    """Rows of: the given view, the true other view, the predicted other view.

    Parameters
    ----------
    estimator : fitted CorrNetTransformer
    Z : array-like of shape (n_rows, n_features_of_view)
        The given view for a few samples.
    other : array-like of shape (n_rows, n_features_of_other_view)
        The true other view of the same samples.
    image_shape : tuple of int
        Shape of one view as an image, e.g. ``(8, 4)`` for a digit half.
    view : {0, 1}, default=0
    ax : array of matplotlib Axes of shape (3, n_rows), default=None

    Returns
    -------
    fig : matplotlib Figure
    axes : ndarray of Axes
    """
    plt = _pyplot()
    Z = np.asarray(Z)
    other = np.asarray(other)
    pred = estimator.predict_view(Z, view=view)
    n = Z.shape[0]
    if ax is None:
        fig, ax = plt.subplots(3, n, figsize=(1.1 * n, 4.2), squeeze=False)
    else:
        ax = np.asarray(ax).reshape(3, n)
        fig = ax[0, 0].figure
    titles = (f"view {view}", f"true view {1 - view}", f"predicted view {1 - view}")
    vmin = min(other.min(), Z.min())
    vmax = max(other.max(), Z.max())
    for j in range(n):
        for i, img in enumerate((Z[j], other[j], pred[j])):
            ax[i, j].imshow(img.reshape(image_shape), cmap="gray_r",
                            vmin=vmin, vmax=vmax)
            ax[i, j].set_xticks([])
            ax[i, j].set_yticks([])
        if j == 0:
            for i, title in enumerate(titles):
                ax[i, 0].set_ylabel(title, fontsize="small")
    return fig, ax
