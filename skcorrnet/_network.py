"""The Keras side of CorrNet: a model that trains the weights of `_forward`.

Nothing here is imported until a fit needs it, so a fitted estimator
transforms with numpy alone. The model holds all weights in one flat Keras
variable, computes the whole objective in a single pass per batch (the view
projections once, the decoders once over the three stacked codes, the
gradient written out in `_gradients`) and is trained by
`keras.Model.fit`, which brings the progress bar, history and callbacks.
One call of the training step runs a whole epoch in a graph loop that
gathers its batches from the full data, so the per-batch cost is the
arithmetic and a few graph ops, never Python or the input pipeline.
"""

import collections
import math
import threading

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from . import _forward
from ._gradients import (
    code_correlation,
    decoder_errors,
    linear_decoder_errors,
    shallow_objective,
    uses_gram_errors,
)

__all__ = ["CorrNetModel", "TERMS", "acquire_model", "make_dataset", "release_model",
           "train"]

# Names of the logged quantities, in the order the history records them.
# "joint", "from_view0", "from_view1" are the reconstruction errors of both
# views from h(x, y), h(x, 0) and h(0, y); "correlation" is the summed batch
# correlation of h(x, 0) and h(0, y).
TERMS = ("loss", "joint", "from_view0", "from_view1", "correlation")

_OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}


class CorrNetModel(keras.Model):
    """A CorrNet as a Keras model whose weights are `_forward` parameters."""

    def __init__(
        self,
        params,
        *,
        activation,
        output_activation,
        loss,
        correlation_weight,
    ):
        super().__init__()
        # All weights live in one flat variable: the optimizer then updates
        # one tensor per step instead of one per weight, which at small
        # batches is most of the graph's op count (about 20 ops a variable).
        self.names_ = list(params)
        self.shapes_ = [tuple(params[n].shape) for n in self.names_]
        self.sizes_ = [int(np.prod(shape)) for shape in self.shapes_]
        self.flat_ = self.add_weight(
            shape=(sum(self.sizes_),), initializer="zeros", dtype="float32",
            name="weights",
        )
        self.set_params(params)
        self.act_ = keras.activations.get(activation)
        self.act_name_ = activation
        self.output_name_ = output_activation
        # no hidden layers: the gradient is written out (`_gradients`)
        self.shallow_ = "enc0_0_kernel" not in params
        self.loss_kind_ = loss
        # a variable, not a Python float, so a pooled model's traced step
        # serves every value of lambda
        self.correlation_weight_ = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="correlation_weight"
        )
        self.correlation_weight_.assign(float(correlation_weight))
        self.trackers_ = [keras.metrics.Mean(name=name) for name in TERMS]
        self.built = True

    @property
    def metrics(self):
        return self.trackers_

    def params(self):
        """The current weights as a dict of float32 numpy arrays."""
        pieces = np.split(self.flat_.numpy(), np.cumsum(self.sizes_)[:-1])
        return {
            n: p.reshape(shape)
            for n, p, shape in zip(self.names_, pieces, self.shapes_)
        }

    def set_params(self, params):
        self.flat_.assign(
            np.concatenate([np.ravel(params[n]) for n in self.names_]).astype(
                np.float32
            )
        )

    def _param_tensors(self):
        # one Split op forward, one Concat op in the gradient
        pieces = tf.split(self.flat_.value, self.sizes_)
        return {
            n: tf.reshape(p, shape)
            for n, p, shape in zip(self.names_, pieces, self.shapes_)
        }

    def objective_terms(self, x, y):
        """Every term of the loss on one batch, as a dict of scalars."""
        if self.shallow_:
            # eagerly this also computes the gradient, which is cheap here;
            # in a traced function the unused gradient is pruned
            terms = self._terms_and_gradient(x, y)[0]
        else:
            terms = self._deep_terms(self._param_tensors(), x, y)
        return dict(zip(TERMS, terms))

    def _terms_and_gradient(self, x, y):
        """The loss terms (in `TERMS` order) and the gradient of the weights.

        A shallow network has its gradient written out (`_gradients`); one
        with hidden layers is differentiated by autodiff around the
        written-out decoder and correlation pieces.
        """
        if self.shallow_:
            terms, grads = shallow_objective(
                self._param_tensors(), x, y,
                activation=self.act_name_, loss=self.loss_kind_,
                output_activation=self.output_name_,
                correlation_weight=self.correlation_weight_.value,
            )
            flat = tf.concat([tf.reshape(grads[n], [-1]) for n in self.names_], 0)
            return terms, flat
        with tf.GradientTape() as tape:
            terms = self._deep_terms(self._param_tensors(), x, y)
        return terms, tape.gradient(terms[0], self.flat_)

    def _deep_terms(self, params, x, y):
        pre = _forward.encode(params, x, y, self.act_)
        # joint, view-0 and view-1 codes stacked: the decoders run once
        codes = self.act_(
            ops.concatenate([pre["joint"], pre["view0"], pre["view1"]], axis=0)
        )
        errors = 0.0
        for view, target in enumerate((x, y)):
            h, kernel, bias = _forward.decode_last(
                params, codes, view, self.act_, ops.transpose
            )
            if uses_gram_errors(self.loss_kind_, self.output_name_):
                errors += linear_decoder_errors(h, [(kernel, bias, target)])
            else:
                errors += decoder_errors(
                    h, kernel, bias, target, loss=self.loss_kind_,
                    output_activation=self.output_name_,
                )
        correlation = code_correlation(codes)
        loss = ops.sum(errors) - self.correlation_weight_.value * correlation
        return loss, errors[0], errors[1], errors[2], correlation

    def train_step(self, data):
        """One epoch: every batch of ``order`` in turn, all inside the graph.

        ``order`` holds the row indices of the epoch's batches, one batch per
        row; the rows are gathered from the full ``x`` and ``y`` here, so the
        input pipeline moves indices only and a whole epoch is one call.
        """
        order, (x, y) = data

        def step(i, sums):
            idx = order[i]
            terms, grad = self._terms_and_gradient(
                tf.gather(x, idx), tf.gather(y, idx)
            )
            self.optimizer.apply([grad], [self.flat_])
            return i + 1, sums + tf.stack(terms)

        steps = tf.shape(order)[0]
        _, sums = tf.while_loop(
            lambda i, _: i < steps,
            step,
            (tf.constant(0), tf.zeros(len(TERMS))),
            parallel_iterations=1,
        )
        # the epoch means, weighted by the steps they average over
        weight = tf.cast(steps, "float32")
        for tracker, total in zip(self.trackers_, tf.unstack(sums)):
            tracker.update_state(total / weight, sample_weight=weight)
        return {t.name: t.result() for t in self.trackers_}

    @tf.function(reduce_retracing=True)
    def _validation_terms(self, x, y):
        return self.objective_terms(x, y)

    def validation_logs(self, x, y):
        """The loss terms on held-out rows, one batch, as ``val_`` log entries."""
        terms = self._validation_terms(x, y)
        return {f"val_{name}": float(terms[name]) for name in TERMS}


# TensorFlow's kernels need their buffers aligned to this many bytes.
_ALIGNMENT = 64


def as_tensor(a):
    """``a`` as a float32 tensor, sharing its memory where TensorFlow can.

    ``tf.convert_to_tensor`` holds two copies of a numpy array for as long
    as the tensor lives, which doubled the memory of a fit. A C-contiguous,
    writeable float32 array aligned as TensorFlow needs is shared through
    DLPack instead; anything else is copied once into an aligned buffer
    that the tensor then shares. The array must not change while the tensor
    is in use: TensorFlow assumes its tensors never do.
    """
    a = np.asarray(a)
    if not (
        a.dtype == np.float32
        and a.flags.c_contiguous
        and a.flags.writeable
        and a.ctypes.data % _ALIGNMENT == 0
    ):
        pad = _ALIGNMENT // 4
        buffer = np.empty(a.size + pad, dtype=np.float32)
        start = (-buffer.ctypes.data % _ALIGNMENT) // 4
        aligned = buffer[start : start + a.size].reshape(a.shape)
        aligned[...] = a
        a = aligned
    return tf.experimental.dlpack.from_dlpack(a.__dlpack__())


def make_dataset(x, y, batch_size, *, shuffle=False, seed=None):
    """The training rows of ``(x, y)`` as Keras will iterate them.

    One element per epoch, ``(order, (x, y))``: ``order`` is an int tensor
    of shape ``(steps, batch_size)`` of row indices and ``(x, y)`` the full
    data, never copied per element. The indices come from a stream of the
    rows, shuffled each pass when ``shuffle``, cut into epochs of
    ``steps = ceil(n / batch_size)`` full batches, so an epoch may end inside
    a pass and a row may be seen one extra time.
    """
    x, y = as_tensor(x), as_tensor(y)
    n = int(x.shape[0])
    steps = -(-n // batch_size)
    order = tf.data.Dataset.range(n)
    if shuffle:
        order = order.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    order = order.repeat().batch(steps * batch_size, drop_remainder=True)
    order = order.map(lambda idx: tf.reshape(tf.cast(idx, tf.int32), (steps, -1)))
    rows = tf.data.Dataset.from_tensors((x, y)).repeat()
    options = tf.data.Options()
    # tf.data's default graph rewrites serialise the pipeline, copying the
    # full x and y it holds: twice the data's memory, for nothing to gain
    # in a pipeline this small
    options.experimental_optimization.apply_default_optimizations = False
    return tf.data.Dataset.zip(order, rows).prefetch(1).with_options(options)


class _Validate(keras.callbacks.Callback):
    """Adds the held-out loss terms to each epoch's logs.

    One compiled call per epoch on tensors made once, instead of Keras's
    validation loop, whose per-epoch set-up cost more than the training of
    a small epoch. It runs before the callbacks that read ``val_loss``.
    """

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = as_tensor(x), as_tensor(y)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update(self.model.validation_logs(self.x, self.y))


class _EpochProgress(keras.callbacks.Callback):
    """One Keras progress bar over all epochs, showing the latest loss terms.

    An epoch is a single step of the compiled loop, so Keras's own bar would
    fill at once every epoch; this one advances by epoch instead.
    """

    def __init__(self, epochs):
        super().__init__()
        # no metric is "stateless": each value shown is the epoch's own mean
        self.bar = keras.utils.Progbar(
            target=epochs, unit_name="epoch", stateless_metrics=()
        )
        self.done = 0

    def on_epoch_end(self, epoch, logs=None):
        self.done = epoch + 1
        # the bar finalises itself at its target
        self.bar.update(self.done, values=list((logs or {}).items()))

    def on_train_end(self, logs=None):
        if 0 < self.done < self.bar.target:  # stopped early
            self.bar.update(self.done, finalize=True)


def _all_finite(params):
    return all(np.isfinite(p).all() for p in params.values())


class _Watch(keras.callbacks.Callback):
    """Keeps the last weights whose loss was finite and stops on divergence."""

    def __init__(self):
        super().__init__()
        self.good_params = None
        self.diverged_at = None
        self.epochs_done = 0

    def on_train_begin(self, logs=None):
        self.good_params = self.model.params()

    def on_epoch_end(self, epoch, logs=None):
        params = self.model.params()
        if math.isfinite((logs or {}).get("loss", np.nan)) and _all_finite(params):
            self.good_params = params
            self.epochs_done = epoch + 1
        else:
            self.diverged_at = epoch + 1
            self.model.stop_training = True


def _build_model(params, optimizer, learning_rate, jit_compile, **model_settings):
    """A new compiled model; ``model_settings`` go to `CorrNetModel`."""
    model = CorrNetModel(params, **model_settings)
    model.compile(
        optimizer=_OPTIMIZERS[optimizer](learning_rate=learning_rate),
        # XLA: faster at small batches, slower at large ones, and compiled
        # again per data shape (benchmarks/README.md), so the user chooses
        jit_compile=jit_compile,
    )
    # slots exist before the first traced step, which updates them in a loop
    model.optimizer.build(model.trainable_variables)
    model.fresh_optimizer_state_ = optimizer_state(model)
    return model


def optimizer_state(model):
    """The optimizer's variables (step count, slots) as numpy arrays."""
    return [v.numpy() for v in model.optimizer.variables]


# Idle models, by architecture. TensorFlow never frees the graphs a model
# traces, so building a new model for every fit grows the process by a few
# MB each time; handing fits a model of the same architecture from this pool
# keeps memory flat over a grid search or a loop and skips the tracing.
_POOL = collections.OrderedDict()
_POOL_LOCK = threading.Lock()
# Architectures kept idle at once; the least recently used is dropped first.
_POOL_KEYS = 16


def _pool_key(params, activation, output_activation, loss, optimizer, jit_compile):
    shapes = tuple((name, p.shape) for name, p in params.items())
    return shapes, activation, output_activation, loss, optimizer, jit_compile


def acquire_model(
    params,
    *,
    activation,
    output_activation,
    loss,
    correlation_weight,
    optimizer,
    learning_rate,
    jit_compile=False,
    state=None,
):
    """A model with these weights and settings, from the pool when one is idle.

    ``state`` is the optimizer state to continue from (`optimizer_state`);
    None starts a fresh optimizer. Give the model back with `release_model`.
    """
    key = _pool_key(params, activation, output_activation, loss, optimizer,
                    jit_compile)
    with _POOL_LOCK:
        idle = _POOL.get(key)
        model = idle.pop() if idle else None
    if model is None:
        model = _build_model(
            params,
            optimizer,
            learning_rate,
            jit_compile,
            activation=activation,
            output_activation=output_activation,
            loss=loss,
            correlation_weight=correlation_weight,
        )
        model.pool_key_ = key
    else:
        model.set_params(params)
        model.correlation_weight_.assign(float(correlation_weight))
    for var, value in zip(
        model.optimizer.variables, state or model.fresh_optimizer_state_
    ):
        var.assign(value)
    model.optimizer.learning_rate = learning_rate
    model.stop_training = False
    return model


def release_model(model):
    """Return a model to the pool for the next fit of the same architecture."""
    with _POOL_LOCK:
        _POOL.setdefault(model.pool_key_, []).append(model)
        _POOL.move_to_end(model.pool_key_)
        while len(_POOL) > _POOL_KEYS:
            _POOL.popitem(last=False)


def train(
    model,
    train_data,
    *,
    epochs,
    validation_data=None,
    early_stopping=None,
    verbose=0,
    callbacks=(),
):
    """Run `Model.fit`; return its history, the stop reason and the epochs run.

    ``validation_data`` is a pair of held-out arrays ``(x, y)``, scored as
    one batch at the end of every epoch. The stop reason is one of
    ``"max_iter"``, ``"converged"``, ``"diverged"`` or ``"interrupted"``.
    On divergence or interruption the model is left with the last weights
    whose loss was finite.
    """
    watch = _Watch()
    callbacks = [watch, *callbacks]
    if verbose == 1:
        callbacks.append(_EpochProgress(epochs))
    if validation_data is not None:
        callbacks.insert(0, _Validate(*validation_data))
    if early_stopping is not None:
        callbacks.append(early_stopping)
    history = keras.callbacks.History()
    callbacks.append(history)
    reason = "max_iter"
    try:
        model.fit(
            train_data,
            epochs=epochs,
            steps_per_epoch=1,  # one dataset element is a whole epoch
            callbacks=callbacks,
            verbose=2 if verbose == 2 else 0,  # 1 is the bar above
            shuffle=False,  # the dataset shuffles itself
        )
    except KeyboardInterrupt:
        reason = "interrupted"
    if watch.diverged_at is not None:
        reason = "diverged"
    elif reason != "interrupted" and early_stopping is not None:
        if early_stopping.stopped_epoch > 0:
            reason = "converged"
    if reason == "interrupted":
        best = getattr(early_stopping, "best_weights", None)
        if best is not None and early_stopping.restore_best_weights:
            # Keras restores these in on_train_end, which an interrupt skips
            model.set_weights(best)
        elif not _all_finite(model.params()):
            model.set_params(watch.good_params)
    elif reason == "diverged":
        model.set_params(watch.good_params)
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    n_epochs = watch.epochs_done if reason == "diverged" else len(hist.get("loss", []))
    if reason == "diverged":
        hist = {k: v[:n_epochs] for k, v in hist.items()}
    return hist, reason, n_epochs
