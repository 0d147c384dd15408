"""`CorrNetTransformer`: the scikit-learn face of a Correlational Neural Network."""

import numbers
import warnings

import numpy as np
from scipy import linalg
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from . import _forward
from ._views import resolve_views
from .metrics import cca_from_covariances, paired_correlations

__all__ = ["CorrNetTransformer"]

# A 1-D `y` with at most this many distinct integer values looks like class
# labels rather than a second view.
_MAX_LABEL_LIKE_VALUES = 20

# Ridge of the least-squares map that places joint codes in the projected
# space, relative to the mean variance of the joint codes.
_JOINT_MAP_RIDGE = 1e-6

# Rows per block when the code moments are accumulated after a fit.
_MOMENT_BLOCK = 8192

# Weight of the earlier chunks' code statistics at each partial_fit call:
# they were computed with older weights, so they fade; about the last ten
# chunks count.
_MOMENT_DECAY = 0.9

# Advice appended to the less explicit errors of scikit-learn's validation,
# keyed by a phrase of their message; the original message stays in front.
_INPUT_ADVICE = (
    (
        ("inhomogeneous", "setting an array element with a sequence"),
        "`{name}` must be a 2-D array with the same number of columns in every "
        "row: pad or trim the rows, or pass a numpy array.",
    ),
    (
        ("could not convert", "argument must be a string", "not compatible"),
        "`{name}` must hold numbers only: encode text or categorical columns "
        "first (e.g. with sklearn.preprocessing.OneHotEncoder) or drop them.",
    ),
    (
        ("Complex data",),
        "`{name}` holds complex numbers: pass their real part, their modulus, or "
        "the real and imaginary parts as separate columns.",
    ),
    (
        ("infinity",),
        "Replace or clip the infinite values in `{name}` (e.g. np.nan_to_num) or "
        "drop those rows.",
    ),
    (
        ("dim 3", "dim 4", "dim 5"),
        "Reshape `{name}` to 2-D, e.g. `{name}.reshape(len({name}), -1)`.",
    ),
    (
        ("inconsistent numbers of samples",),
        "X and y must hold the same samples, one row each, in the same order.",
    ),
    (
        ("contains NaN",),
        "Impute the missing values first (e.g. sklearn.impute.SimpleImputer in a "
        "Pipeline) or drop the rows that have them.",
    ),
    (
        ("minimum of 2 is required",),
        "Fitting needs at least 2 rows: correlations are estimated across rows.",
    ),
)


def _validated(name, check, *args, width_advice=None, **kwargs):
    """Call a scikit-learn validation function, adding advice to its errors.

    ``name`` is how the message refers to the input (``"X"`` or ``"y"``);
    ``width_advice`` is added when the input has the wrong number of columns,
    where the fix depends on what the input is. The error keeps its type and
    its original message, so callers matching scikit-learn's wording still
    match.
    """
    try:
        return check(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        if width_advice is not None and "features, but" in message:
            raise type(exc)(f"{message} {width_advice}") from exc
        for phrases, advice in _INPUT_ADVICE:
            if any(phrase in message for phrase in phrases):
                if phrases == ("Complex data",):
                    # scikit-learn prints the whole array; the shape is enough
                    message = "Complex data not supported."
                elif phrases == ("contains NaN",):
                    # its own advice is about supervised estimators
                    message = message.split("\n")[0]
                if not message.rstrip().endswith((".", ":")):
                    message = message.rstrip() + "."
                raise type(exc)(f"{message} {advice.format(name=name)}") from exc
        raise


class CorrNetTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Correlational Neural Network: a shared representation of two views.

    A CorrNet (Chandar et al., 2016) is an autoencoder over two views ``x``
    and ``y`` of the same samples. Its code is ``h(x, y) = f(W x + V y + b)``;
    the code of one view alone is taken with the other view zeroed. Training
    minimises, per batch, the error of reconstructing both views from
    ``h(x, y)``, from ``h(x, 0)`` and from ``h(0, y)``, minus
    ``correlation_weight`` times the summed correlation across the batch of
    each unit of ``h(x, 0)`` with the same unit of ``h(0, y)``.

    After training, a linear CCA of the training codes of the two views taken
    alone is learned; it aligns the codes of the two views and sorts the
    components by shared correlation, and it is what `score` and
    `canonical_correlations` apply to held-out rows.

    The views are given either as two arrays, ``fit(X, y)`` with ``y`` the
    second view (as in `~sklearn.cross_decomposition.CCA`), or as the columns
    of one matrix ``X`` selected by ``views``, for pipelines whose ``y`` is a
    label.

    Parameters
    ----------
    n_components : int, default=50
        Number of hidden units in the code layer, the dimension of the shared
        representation.

    hidden_layer_sizes : tuple of int, default=()
        Widths of extra hidden layers in each view's encoder, from the input
        towards the code; each decoder mirrors them. ``()`` is the shallow
        CorrNet of the paper; ``(500, 300)`` its deep variant.

    activation : {"relu", "sigmoid", "tanh", "linear"}, default="relu"
        Activation of the code layer and of the hidden layers. The paper used
        sigmoid units; on digits halves, raw and standardised, ReLU units gave
        a held-out top-10 correlation 0.4 to 0.8 higher than sigmoid or tanh
        (``benchmarks/sweep_defaults.py``).

    output_activation : {"linear", "sigmoid", "tanh", "relu"}, default="linear"
        Activation of the reconstruction. Linear suits standardised data;
        ``loss="cross_entropy"`` always uses the sigmoid.

    loss : {"squared_error", "cross_entropy"}, default="squared_error"
        Reconstruction error, summed over features. Cross-entropy is for
        inputs in [0, 1] and forces a sigmoid output.

    tied_weights : bool, default=False
        Use the transposed encoder kernels as decoder kernels.

    correlation_weight : float, default=8.0
        Weight ``lambda`` of the correlation term. 0 gives the plain two-view
        autoencoder. The paper used 2 on [0, 1] pixels; 8 did as well on
        digits halves in [0, 1] and clearly better on standardised halves,
        whose reconstruction errors are larger.

    projection : {"cca", "none"}, default="cca"
        Coordinates of the codes returned by `transform`, `transform_view`
        and taken by `inverse_transform`. ``"cca"`` projects the codes with
        the CCA rotation learned at fit time: the two views' codes are then
        aligned (a classifier trained on one view's codes works on the
        other's) and components come sorted by correlation. ``"none"`` returns
        the raw hidden units.

    views : int or pair of column selections, default=None
        None: ``X`` is view 0 and ``y`` is view 1. An int ``k``: the first
        ``k`` columns of ``X`` are view 0 and the rest view 1. A pair: the
        columns of each view, as integer indices, slices, boolean masks or
        DataFrame column names. With ``views`` set, ``y`` is ignored.

    optimizer : {"adam", "rmsprop", "sgd"}, default="adam"
        Keras optimizer.

    learning_rate : float, default=3e-3
        Learning rate of the optimizer. On digits halves 3e-3 and 1e-2 reached
        the same quality; the smaller is the safer on unscaled data.

    batch_size : int, default=100
        Rows per step; capped at the number of training rows. The
        correlation term is estimated on each batch, so a batch should be
        several times larger than ``n_components``; `fit` warns when the
        batch, after that cap, is not larger than ``n_components``.

    max_iter : int, default=200
        Maximum number of epochs.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop when the
        validation loss has not improved by ``tol`` for ``n_iter_no_change``
        epochs, keeping the best weights. The validation loss is computed on
        all held-out rows as one batch. Without early stopping, training
        stops when the training loss stalls in the same way.

    validation_fraction : float, default=0.1
        Fraction of rows held out when ``early_stopping`` is True.

    n_iter_no_change : int, default=10
        Epochs without improvement by ``tol`` before training stops.

    tol : float, default=1e-4
        Least improvement of the monitored loss that counts.

    shuffle : bool, default=True
        Shuffle the rows every epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling and the validation split.
        With an int, a fit on the CPU is bitwise repeatable.

    verbose : int, default=0
        0 is silent, 1 shows a progress bar per epoch with the loss and its
        terms, 2 prints one line per epoch.

    warm_start : bool, default=False
        Start `fit` from the weights of the previous fit.

    jit_compile : bool, default=False
        Compile the training epoch with XLA, as in `keras.Model.compile`.
        On a 2-core CPU it made steps at ``batch_size=100`` about 15 to 35 %
        faster and steps at ``batch_size=1000`` with sigmoid outputs about
        15 % slower. Compiling takes about 2 s the first time and again for
        every new number of rows, so it pays off for long fits of small
        batches, not for many short ones. Each step differs from the one
        without XLA by float32 rounding, so over many epochs the two fits
        drift apart, to about the same quality; XLA fits are bitwise
        repeatable too.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns of ``X`` seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X``, when it was a DataFrame with string names.

    n_features_views_ : tuple of (int, int)
        Number of features of view 0 and view 1.

    n_iter_ : int
        Epochs run, over all fits when warm-started or partially fitted.

    history_ : dict of lists
        Per epoch: ``loss``; ``joint``, ``from_view0`` and ``from_view1``, the
        reconstruction errors of both views from each code; ``correlation``,
        the summed batch correlation; and the same prefixed with ``val_``
        when ``early_stopping`` holds rows out.

    canonical_correlations_ : ndarray of shape (n_components,)
        Canonical correlations of the single-view codes on the training rows.

    See Also
    --------
    sklearn.cross_decomposition.CCA : Linear canonical correlation analysis.

    Notes
    -----
    Batches always hold ``batch_size`` rows: they are drawn from a shuffled
    stream of the rows that runs across epoch boundaries, so an epoch is
    ``ceil(n_samples / batch_size)`` steps and a row may be seen one extra
    time at the end of an epoch.

    A view that is "zeroed" is fed as an all-zero row: with deep encoders
    its branch then contributes a constant, as in the paper's code.

    An epoch runs as one compiled call, so Ctrl-C takes effect at the end of
    the current epoch. The model is then fitted with the weights reached
    (the best validation weights when ``early_stopping`` is on) and a
    warning says so; a loss that turns NaN or infinite likewise ends
    training with the last finite weights.

    `partial_fit` learns the CCA projection (used by `transform`, `score`
    and `canonical_correlations`) from the statistics of the codes of every
    chunk so far, each earlier call weighing 0.9 times the next, because its
    codes were computed with older weights.

    Training borrows a Keras model from a per-process pool keyed by the
    architecture, because TensorFlow never frees the graphs a model traces;
    the estimator itself holds numpy arrays only, so it pickles without
    TensorFlow and transforms without importing it.

    References
    ----------
    S. Chandar, M. M. Khapra, H. Larochelle and B. Ravindran, "Correlational
    Neural Networks", Neural Computation 28(2), 2016.

    Examples
    --------
    >>> from skcorrnet import CorrNetTransformer
    >>> from skcorrnet.datasets import load_digits_halves
    >>> left, right, labels = load_digits_halves(return_X_y=True)
    >>> model = CorrNetTransformer(n_components=8, max_iter=5, random_state=0)
    >>> model.fit(left, right).transform(left).shape
    (1797, 8)
    """

    _parameter_constraints = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [tuple, list],
        "activation": [StrOptions(set(_forward.ACTIVATIONS))],
        "output_activation": [StrOptions(set(_forward.ACTIVATIONS))],
        "loss": [StrOptions({"squared_error", "cross_entropy"})],
        "tied_weights": ["boolean"],
        "correlation_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "projection": [StrOptions({"cca", "none"})],
        "views": [
            None,
            Interval(numbers.Integral, 1, None, closed="left"),
            tuple,
            list,
        ],
        "optimizer": [StrOptions({"adam", "rmsprop", "sgd"})],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "jit_compile": ["boolean"],
    }

    def __init__(
        self,
        n_components=50,
        *,
        hidden_layer_sizes=(),
        activation="relu",
        output_activation="linear",
        loss="squared_error",
        tied_weights=False,
        correlation_weight=8.0,
        projection="cca",
        views=None,
        optimizer="adam",
        learning_rate=3e-3,
        batch_size=100,
        max_iter=200,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        shuffle=True,
        random_state=None,
        verbose=0,
        warm_start=False,
        jit_compile=False,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.tied_weights = tied_weights
        self.correlation_weight = correlation_weight
        self.projection = projection
        self.views = views
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.jit_compile = jit_compile

    # ------------------------------------------------------------------
    # Input handling

    def _check_views(self, X, y, *, reset, require_y):
        """Validate the input and split it into the two views.

        Returns ``(x, y)`` as float arrays; ``y`` is None in two-array mode
        when it was not given and not required.
        """
        min_rows = 2 if reset else 1
        if self.views is not None:
            X = _validated(
                "X", validate_data, self, X, reset=reset, ensure_min_samples=min_rows,
                width_advice="With `views` set, X holds the columns of both views, "
                "as at fit; for one view alone use `transform_view(Z, view)`.",
            )
            if reset:
                names = getattr(self, "feature_names_in_", None)
                self._view_columns = resolve_views(self.views, X.shape[1], names)
                self._column_means = X.mean(axis=0)
            idx0, idx1 = self._view_columns
            return X[:, idx0], X[:, idx1]

        x = _validated(
            "X", validate_data, self, X, reset=reset, ensure_min_samples=min_rows,
            width_advice="X is view 0 (view 1 goes in `y`): pass the columns it "
            "had at fit.",
        )
        if y is None:
            if require_y:
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the target y "
                    "is None. Pass the second view as `y`, or set `views` to say "
                    "which columns of X form each view."
                )
            return x, None
        y = self._check_second_view(y, reset=reset, min_rows=min_rows)
        _validated("y", check_consistent_length, x, y)
        return x, y

    def _check_second_view(self, y, *, reset, min_rows=1, label="The second view `y`"):
        """Validate view 1 given as its own array (two-array mode).

        ``label`` names the input in error messages.
        """
        columns = getattr(y, "columns", None)
        names = None
        if columns is not None and all(isinstance(c, str) for c in columns):
            names = np.asarray(columns, dtype=object)
        y = _validated(
            "y",
            check_array,
            y,
            ensure_2d=False,
            dtype=[np.float64, np.float32],
            ensure_min_samples=min_rows,
            input_name="y",
        )
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if reset:
            self._n_features_y = y.shape[1]
            self._feature_names_y = names
            return y
        if y.shape[1] != self._n_features_y:
            raise ValueError(
                f"{label} has {y.shape[1]} features, but "
                f"{type(self).__name__} was fitted with {self._n_features_y}. Pass "
                "the same columns as at fit."
            )
        fitted_names = getattr(self, "_feature_names_y", None)
        if (
            names is not None
            and fitted_names is not None
            and not np.array_equal(names, fitted_names)
        ):
            raise ValueError(
                "The column names of the second view `y` differ from those seen at "
                f"fit: got {list(names)[:5]}..., expected {list(fitted_names)[:5]}.... "
                "Pass the columns of y with the same names, in the same order."
            )
        return y

    def _check_single_view(self, Z, view):
        """Validate one view given alone; in `views` mode Z is the full X."""
        if not isinstance(view, numbers.Integral) or isinstance(view, bool) or (
            view not in (0, 1)
        ):
            raise ValueError(
                f"`view` must be 0 (the view passed as X) or 1 (the view passed as "
                f"y, or the second of `views`), got {view!r}."
            )
        if self.views is not None:
            return self._check_views(Z, None, reset=False, require_y=False)[view]
        if view == 0:
            return _validated(
                "X", validate_data, self, Z, reset=False,
                width_advice="`Z` is view 0 here: pass the columns it had at fit.",
            )
        return self._check_second_view(Z, reset=False, label="`Z` (view 1)")

    def _warn_if_labels(self, y):
        if self.views is not None or y is None or y.shape[1] != 1:
            return
        values = np.unique(y)
        if len(values) <= _MAX_LABEL_LIKE_VALUES and np.all(values == np.round(values)):
            warnings.warn(
                f"The second view `y` is one column of {len(values)} distinct "
                "integers, which looks like class labels. If y is a target, set "
                "`views` to split the columns of X into the two views instead.",
                UserWarning,
                stacklevel=4,  # _warn_if_labels, fit, _fit_context, caller
            )

    def _warn_if_constant(self, x, y):
        for i, view in enumerate((x, y)):
            if np.all(np.ptp(view, axis=0) == 0):
                warnings.warn(
                    f"View {i} has the same value in every row of every column, "
                    "so it carries nothing to correlate: its codes are constant "
                    "and the canonical correlations will be 0. Check which "
                    f"columns are passed as view {i}.",
                    UserWarning,
                    stacklevel=4,  # _warn_if_constant, fit, _fit_context, caller
                )

    def _warn_if_small_batch(self, n_rows, *, holdout):
        """Warn when the rows of a batch cannot support the correlation term.

        The batch is ``batch_size`` capped at the training rows (those left
        after the early-stopping hold-out), so the warning also fires for a
        large ``batch_size`` on few rows: the correlation of ``n_components``
        units estimated on that few rows is degenerate either way.
        """
        n_train = n_rows
        if holdout:
            n_train -= max(1, int(round(self.validation_fraction * n_rows)))
        batch = min(self.batch_size, n_train)
        if batch > self.n_components:
            return
        cause = (
            f"`batch_size={self.batch_size}`"
            if batch == self.batch_size
            else f"the {n_train} training rows (batches are capped at them)"
        )
        warnings.warn(
            f"Batches of {batch} rows, set by {cause}, are not larger than "
            f"n_components={self.n_components}: the correlation of the units "
            "estimated on each batch is degenerate and training may reward "
            "noise. Use a `batch_size` several times `n_components`, more rows, "
            "or fewer `n_components`.",
            UserWarning,
            stacklevel=4,  # _warn_if_small_batch, fit, _fit_context, caller
        )

    # ------------------------------------------------------------------
    # Training

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the CorrNet on both views.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            View 0, or both views when ``views`` is set.
        y : array-like of shape (n_samples,) or (n_samples, n_features_y)
            View 1 when ``views`` is None; ignored otherwise.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        x, y_view = self._check_views(X, y, reset=True, require_y=True)
        self._warn_if_labels(y_view)
        self._warn_if_constant(x, y_view)
        self._warn_if_small_batch(x.shape[0], holdout=self.early_stopping)
        widths = (x.shape[1], y_view.shape[1])
        if not (self.warm_start and hasattr(self, "_params")):
            self._reset_state(*widths)
        elif widths != self.n_features_views_:
            raise ValueError(
                f"warm_start=True continues the fitted network, whose views have "
                f"{self.n_features_views_} features, but got views of {widths}. Pass "
                "the same columns, or set warm_start=False to start over."
            )
        return self._train(x, y_view, epochs=self.max_iter, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train one epoch on the given rows, building the network if needed.

        Successive calls continue from the current weights and optimizer
        state, and `history_` accumulates one entry per call.
        """
        first = not hasattr(self, "_params")
        if not first:
            self._check_chunk_widths(X, y)
        x, y_view = self._check_views(X, y, reset=first, require_y=True)
        if first:
            self._warn_if_labels(y_view)
            self._warn_if_constant(x, y_view)
            self._reset_state(x.shape[1], y_view.shape[1])
        self._warn_if_small_batch(x.shape[0], holdout=False)
        return self._train(x, y_view, epochs=1, incremental=True)

    def _check_chunk_widths(self, X, y):
        """Refuse a `partial_fit` chunk whose width differs from the first."""
        widths = [("X", X, self.n_features_in_)]
        if self.views is None and y is not None:
            widths.append(("y", y, self.n_features_views_[1]))
        for name, data, expected in widths:
            shape = np.shape(data)
            if not (len(shape) == 2 or (name == "y" and len(shape) == 1)):
                continue  # the usual validation explains other shapes
            got = shape[1] if len(shape) == 2 else 1
            if got != expected:
                # the first sentence is scikit-learn's wording, which its
                # estimator checks look for
                raise ValueError(
                    f"{name} has {got} features, but {type(self).__name__} is "
                    f"expecting {expected} features as input. In partial_fit "
                    "every chunk must have the columns of the first, in the same "
                    f"order: pass chunks of {expected} columns, or start over on "
                    "the new columns with `fit` or `clone(estimator).partial_fit`."
                )

    def _reset_state(self, n_x, n_y):
        rng = check_random_state(self.random_state)
        self.n_features_views_ = (n_x, n_y)
        shapes = _forward.param_shapes(
            n_x,
            n_y,
            self.n_components,
            tuple(self.hidden_layer_sizes),
            self.tied_weights,
        )
        self._params = _forward.init_params(shapes, rng, dtype=np.float64)
        self._seed = int(rng.randint(np.iinfo(np.int32).max))
        self._optimizer_state = None
        self.n_iter_ = 0
        self.history_ = {}

    def _train(self, x, y, *, epochs, incremental):
        from . import _network

        n = x.shape[0]
        rng = np.random.RandomState(self._seed + self.n_iter_)
        val = None
        if self.early_stopping and not incremental:
            n_val = max(1, int(round(self.validation_fraction * n)))
            if n - n_val < 2:
                raise ValueError(
                    f"`early_stopping` holds out {n_val} of {n} rows, leaving fewer "
                    "than 2 to train on. Pass more rows or set early_stopping=False."
                )
            order = rng.permutation(n)
            val, train = order[:n_val], order[n_val:]
            val = (x[val], y[val])
            x, y = x[train], y[train]
            n = x.shape[0]
        batch_size = min(self.batch_size, n)

        model = _network.acquire_model(
            {k: v.astype(np.float32) for k, v in self._params.items()},
            activation=self.activation,
            output_activation="sigmoid" if self.loss == "cross_entropy"
            else self.output_activation,
            loss=self.loss,
            correlation_weight=self.correlation_weight,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            jit_compile=self.jit_compile,
            state=self._optimizer_state,
        )
        try:
            history, reason, n_epochs = self._run(model, x, y, val, batch_size,
                                                  epochs, incremental, rng)
            self._params = {
                k: v.astype(np.float64) for k, v in model.params().items()
            }
            self._optimizer_state = _network.optimizer_state(model)
        finally:
            _network.release_model(model)
        self.n_iter_ += n_epochs
        for key, values in history.items():
            self.history_.setdefault(key, []).extend(values)
        self._report(reason, epochs)
        self._fit_projection(x, y, incremental=incremental)
        return self

    def _run(self, model, x, y, val, batch_size, epochs, incremental, rng):
        """Train ``model`` in Keras; returns history, stop reason and epochs."""
        from . import _network

        stopper = None
        if not incremental:
            import keras

            stopper = keras.callbacks.EarlyStopping(
                monitor="val_loss" if val is not None else "loss",
                min_delta=self.tol,
                patience=self.n_iter_no_change,
                mode="min",
                restore_best_weights=val is not None,
            )
        train_data = _network.make_dataset(
            x, y, batch_size, shuffle=self.shuffle,
            seed=int(rng.randint(np.iinfo(np.int32).max)),
        )
        # the held-out rows are scored as one batch: the correlation term is
        # estimated on all of them at once
        return _network.train(
            model,
            train_data,
            epochs=epochs,
            validation_data=val,
            early_stopping=stopper,
            verbose=self.verbose,
        )

    def _report(self, reason, epochs):
        name = type(self).__name__
        if reason == "diverged":
            warnings.warn(
                f"{name}: the loss became NaN or infinite after {self.n_iter_} "
                "epochs; training stopped and the last weights with a finite loss "
                "were kept. Try a smaller `learning_rate`, standardised inputs or "
                "a larger `batch_size`.",
                RuntimeWarning,
                stacklevel=5,  # _report, _train, fit, _fit_context, caller
            )
        elif reason == "interrupted":
            warnings.warn(
                f"{name}: training was interrupted; the model is fitted with the "
                "weights reached so far.",
                UserWarning,
                stacklevel=5,  # _report, _train, fit, _fit_context, caller
            )
        elif reason == "max_iter" and epochs > 1:
            warnings.warn(
                f"{name}: reached max_iter={self.max_iter} epochs while the loss was "
                f"still improving by more than tol={self.tol} per epoch, so the "
                "model may be undertrained. Increase `max_iter` (or "
                "`learning_rate`), or raise `tol` if the gains left are too small "
                "to matter.",
                ConvergenceWarning,
                stacklevel=5,  # _report, _train, fit, _fit_context, caller
            )

    def _fit_projection(self, x, y, *, incremental):
        """Learn the CCA rotation of the single-view codes and the joint map.

        Both come from the means and covariances of the codes of the training
        rows. `partial_fit` adds each chunk's to those of the earlier chunks,
        down-weighted by `_MOMENT_DECAY` per call as they were computed with
        older weights, so that the projection does not rest on one chunk.
        """
        total = scatter = 0.0
        # in blocks of rows: the float64 temporaries of the forward pass stay
        # small next to the data
        for start in range(0, x.shape[0], _MOMENT_BLOCK):
            block = slice(start, start + _MOMENT_BLOCK)
            codes = self._codes(x[block], y[block], ("joint", "view0", "view1"))
            z = np.hstack([codes["joint"], codes["view0"], codes["view1"]])
            total = total + z.sum(axis=0)
            scatter = scatter + z.T @ z
        moments = (float(x.shape[0]), total, scatter)
        previous = getattr(self, "_code_moments", None)
        if incremental and previous is not None:
            moments = tuple(
                new + _MOMENT_DECAY * old for new, old in zip(moments, previous)
            )
        self._code_moments = moments
        n, total, scatter = moments
        mean = total / n
        cov = (scatter - n * np.outer(mean, mean)) / max(n - 1.0, 1.0)
        k = self.n_components
        joint, view0, view1 = slice(0, k), slice(k, 2 * k), slice(2 * k, 3 * k)

        rot = cca_from_covariances(
            mean[view0], mean[view1], cov[view0, view0], cov[view1, view1],
            cov[view0, view1],
        )
        self._rotation = rot
        wa, wb = rot.weights_a, rot.weights_b
        # correlations of the projected training codes, component by component
        num = np.einsum("ij,ik,kj->j", wa, cov[view0, view1], wb)
        var_a = np.einsum("ij,ik,kj->j", wa, cov[view0, view0], wa)
        var_b = np.einsum("ij,ik,kj->j", wb, cov[view1, view1], wb)
        # a dead component's variances can round to a tiny negative product
        scale = np.sqrt(np.maximum(var_a * var_b, 0.0))
        self.canonical_correlations_ = num / np.maximum(scale, 1e-12)

        # joint codes go to the same coordinates: the least-squares map onto
        # the mean of the two projected single-view codes.
        self._joint_mean = mean[joint]
        gram = cov[joint, joint]
        ridge = _JOINT_MAP_RIDGE * max(np.trace(gram) / gram.shape[0], 1e-12)
        target = (cov[joint, view0] @ wa + cov[joint, view1] @ wb) / 2
        self._joint_map = linalg.solve(
            gram + ridge * np.eye(gram.shape[0]), target, assume_a="pos"
        )

    # ------------------------------------------------------------------
    # Inference, in numpy

    def _codes(self, x, y, which):
        act = _forward.ACTIVATIONS[self.activation]
        pre = _forward.encode(self._params, x, y, act, which)
        return {k: act(v) for k, v in pre.items()}

    def _project(self, codes, kind):
        if self.projection == "none":
            return codes
        rot = self._rotation
        if kind == "view0":
            return (codes - rot.mean_a) @ rot.weights_a
        if kind == "view1":
            return (codes - rot.mean_b) @ rot.weights_b
        return (codes - self._joint_mean) @ self._joint_map

    def _output(self, view, codes):
        act = _forward.ACTIVATIONS[self.activation]
        out_name = "sigmoid" if self.loss == "cross_entropy" else self.output_activation
        pre = _forward.decode_pre(self._params, codes, view, act)
        return _forward.ACTIVATIONS[out_name](pre)

    def transform(self, X, y=None):
        """Map samples to the shared space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            View 0, or both views when ``views`` is set.
        y : array-like of shape (n_samples, n_features_y), default=None
            View 1 (two-array mode only). When given, the joint code of both
            views is returned; otherwise the code of view 0 alone.

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self)
        x, y = self._check_views(X, y, reset=False, require_y=False)
        kind = "view0" if y is None else "joint"
        return self._project(self._codes(x, y, (kind,))[kind], kind)

    def fit_transform(self, X, y=None):
        """Fit, then return ``transform(X)``, as in any scikit-learn transformer.

        In two-array mode ``y`` is the second view: it trains the model, but
        the codes returned are those of ``transform(X)``, the code of view 0
        alone, because that is what a `~sklearn.pipeline.Pipeline` gets from
        `transform` at prediction time. For the joint code of both views,
        call ``fit(X, y).transform(X, y)``. With ``views`` set, ``X`` holds
        both views and the joint code is returned.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            View 0, or both views when ``views`` is set.
        y : array-like of shape (n_samples,) or (n_samples, n_features_y)
            View 1 when ``views`` is None; ignored otherwise.

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        return self.fit(X, y).transform(X)

    def transform_view(self, Z, view):
        """Code of one view given alone (the other view zeroed).

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_features_of_view)
            The view's own columns; the full ``X`` when ``views`` is set.
        view : {0, 1}

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self)
        z = self._check_single_view(Z, view)
        kind = f"view{view}"
        xy = (z, None) if view == 0 else (None, z)
        return self._project(self._codes(*xy, (kind,))[kind], kind)

    def predict_view(self, Z, view=0):
        """Predict the other view from view ``view`` alone.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_features_of_view)
            The view's own columns; the full ``X`` when ``views`` is set.
        view : {0, 1}, default=0
            The view that is given.

        Returns
        -------
        ndarray of shape (n_samples, n_features_of_other_view)
        """
        check_is_fitted(self)
        z = self._check_single_view(Z, view)
        kind = f"view{view}"
        xy = (z, None) if view == 0 else (None, z)
        return self._output(1 - view, self._codes(*xy, (kind,))[kind])

    def inverse_transform(self, X):
        """Decode codes back to the input space of ``X``.

        Codes are read in the coordinates `transform` returns. In two-array
        mode the result is view 0; with ``views`` set it has the columns of
        ``X``, both views in place and any column of neither view filled
        with its training mean.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)

        Returns
        -------
        ndarray of shape (n_samples, `n_features_in_`)
        """
        check_is_fitted(self)
        h = _validated("X", check_array, X, input_name="X")
        if h.shape[1] != self.n_components:
            raise ValueError(
                f"inverse_transform expects codes with n_components="
                f"{self.n_components} columns, got {h.shape[1]}."
            )
        if self.projection == "cca":
            h = h @ linalg.pinv(self._joint_map) + self._joint_mean
        x_hat = self._output(0, h)
        if self.views is None:
            return x_hat
        out = np.tile(self._column_means, (h.shape[0], 1))
        idx0, idx1 = self._view_columns
        out[:, idx0] = x_hat
        out[:, idx1] = self._output(1, h)
        return out

    def canonical_correlations(self, X, y=None):
        """Per-component correlation of the two views' codes on these rows.

        The codes of each view taken alone are projected with the CCA rotation
        learned at fit time (never refitted here) and correlated component by
        component.

        Returns
        -------
        ndarray of shape (n_components,)
        """
        check_is_fitted(self)
        x, y = self._check_views(X, y, reset=False, require_y=True)
        if x.shape[0] < 2:
            raise ValueError(
                f"Correlations need at least 2 rows, got {x.shape[0]}. Score the "
                "model on more rows."
            )
        codes = self._codes(x, y, ("view0", "view1"))
        p0, p1 = self._rotation.transform(codes["view0"], codes["view1"])
        return paired_correlations(p0, p1)

    def score(self, X, y=None):
        """Total held-out canonical correlation: the sum of
        `canonical_correlations`. Larger is better."""
        return float(np.sum(self.canonical_correlations(X, y)))

    # ------------------------------------------------------------------
    # scikit-learn plumbing

    @property
    def _n_features_out(self):
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = self.views is None
        tags.input_tags.allow_nan = False
        tags.non_deterministic = self.random_state is None
        return tags
