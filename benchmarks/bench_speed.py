"""Training and inference speed of CorrNetTransformer against the Keras recipe.

The reference trains the same network (shallow, 50 sigmoid units, squared
error, Adam, lambda 2; sigmoid outputs as in the recipe, and linear outputs
as in the estimator's default) the way the well-known Keras recipe does:
one two-input model called three times (both views, x with y zeroed, y with
x zeroed), seven outputs (six reconstructions and a correlation output fed
a dummy target) and `Model.fit` on tiled targets. Everything is measured
side by side in one run and printed as one table of ratios; absolute
seconds on a shared machine are noise.

Run: ``python benchmarks/bench_speed.py [--quick]``.
"""

import argparse
import gc
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np

N_COMPONENTS = 50
CORRELATION_WEIGHT = 2.0
LEARNING_RATE = 1e-3


def structured_rows(n_samples, n_features=392, rank=20, seed=0):
    """Two float32 views in [0, 1] driven by shared low-rank factors."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_samples, rank), dtype=np.float32)
    views = []
    for _ in range(2):
        mix = rng.standard_normal((rank, n_features), dtype=np.float32)
        mix /= np.float32(np.sqrt(rank))
        a = z @ mix
        a += 0.3 * rng.standard_normal(a.shape, dtype=np.float32)
        # logistic squashing, in place: rows look like pixel intensities
        np.negative(a, out=a)
        np.exp(a, out=a)
        a += 1.0
        np.reciprocal(a, out=a)
        views.append(a)
    return views[0], views[1]


# ----------------------------------------------------------------------
# The two trainers


def ours(batch_size, max_iter, output="sigmoid", jit_compile=False):
    from skcorrnet import CorrNetTransformer

    return CorrNetTransformer(
        n_components=N_COMPONENTS,
        activation="sigmoid",
        output_activation=output,
        correlation_weight=CORRELATION_WEIGHT,
        optimizer="adam",
        learning_rate=LEARNING_RATE,
        batch_size=batch_size,
        max_iter=max_iter,
        n_iter_no_change=max_iter + 1,
        projection="none",
        random_state=0,
        jit_compile=jit_compile,
    )


def fit_ours(x, y, batch_size, epochs, output="sigmoid", jit_compile=False):
    model = ours(batch_size, epochs, output, jit_compile)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(x, y)


def reference_model(n_x, n_y, output="sigmoid"):
    """The recipe's network: a shared two-input branch called three times."""
    import keras
    from keras import layers, ops

    bx, by = keras.Input((n_x,)), keras.Input((n_y,))
    code = layers.Activation("sigmoid")(
        layers.Add()(
            [
                layers.Dense(N_COMPONENTS, use_bias=False)(bx),
                layers.Dense(N_COMPONENTS)(by),
            ]
        )
    )
    rec_x = layers.Dense(n_x, activation=output)(code)
    rec_y = layers.Dense(n_y, activation=output)(code)
    branch = keras.Model([bx, by], [rec_x, rec_y, code])

    def correlation(codes):
        h0, h1 = codes
        a = h0 - ops.mean(h0, axis=0, keepdims=True)
        b = h1 - ops.mean(h1, axis=0, keepdims=True)
        num = ops.sum(a * b, axis=0)
        den = ops.sqrt(ops.sum(a * a, axis=0) + 1e-8) * ops.sqrt(
            ops.sum(b * b, axis=0) + 1e-8
        )
        return ops.zeros_like(h0[:, :1]) + ops.sum(num / den)

    ix, iy = keras.Input((n_x,)), keras.Input((n_y,))
    zero_x = layers.Lambda(ops.zeros_like)(ix)
    zero_y = layers.Lambda(ops.zeros_like)(iy)
    x1, y1, _ = branch([ix, iy])
    x2, y2, h2 = branch([ix, zero_y])
    x3, y3, h3 = branch([zero_x, iy])
    corr = layers.Lambda(correlation)([h2, h3])
    model = keras.Model([ix, iy], [x1, x2, x3, y1, y2, y3, corr])
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss=["mse"] * 6 + [lambda _, c: -ops.mean(c)],
        loss_weights=[1.0] * 6 + [CORRELATION_WEIGHT],
    )
    # the code of view 0 alone: the shared branch fed a zero view 1
    zeros_like_y = layers.Lambda(lambda t: ops.zeros((ops.shape(t)[0], n_y)))(ix)
    encoder = keras.Model(ix, branch([ix, zeros_like_y])[2])
    return model, encoder


def fit_reference(x, y, batch_size, epochs, callbacks=(), output="sigmoid"):
    model, encoder = reference_model(x.shape[1], y.shape[1], output)
    dummy = np.ones((x.shape[0], 1), dtype=np.float32)
    model.fit(
        [x, y],
        [x, x, x, y, y, y, dummy],
        batch_size=batch_size,
        epochs=epochs,
        shuffle=True,
        verbose=0,
        callbacks=list(callbacks),
    )
    return model, encoder


# ----------------------------------------------------------------------
# Measurements


def seconds(fn, *args, repeat=1):
    """Best wall time of ``repeat`` calls of ``fn(*args)``."""
    best = np.inf
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def make_epoch_timer():
    """A Keras callback recording the wall seconds of every epoch."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)

    return EpochTimer()


def epoch_seconds(trainer, x, y, batch_size, epochs, repeat, output="sigmoid",
                  jit_compile=False):
    """Median seconds of the epochs after the first (which builds the graph).

    The same timing callback is given to both trainers: to the recipe's
    `Model.fit`, and to ours through `skcorrnet._network.train`.
    """
    from skcorrnet import _network

    timer = make_epoch_timer()
    if trainer is fit_ours:
        train = _network.train
        _network.train = lambda *a, **k: train(*a, callbacks=[timer], **k)
        try:
            for _ in range(repeat):
                fit_ours(x, y, batch_size, epochs, output, jit_compile)
        finally:
            _network.train = train
    else:
        for _ in range(repeat):
            fit_reference(x, y, batch_size, epochs, callbacks=[timer], output=output)
    return float(np.median(timer.seconds[1:]))


def multiply_adds_per_epoch(n_samples, batch_size, n_x, n_y, k=N_COMPONENTS):
    """Multiply-adds of the matrix products one epoch needs, forward and back.

    Forward: the two view projections (``B k (n_x + n_y)``) and the decoders
    over the three stacked codes (``3 B k (n_x + n_y)``). Backward: the
    projections' kernel gradients (once) and, for the decoders, the gradients
    of both the codes and the kernels (twice). Total ``11 B k (n_x + n_y)``.
    """
    steps = -(-n_samples // batch_size)
    return steps * 11 * batch_size * k * (n_x + n_y)


def matmul_rate(batch_size, n_x, n_y, k=N_COMPONENTS, seconds_budget=1.0):
    """Float32 multiply-adds per second of one step's products, in TF and numpy.

    The products of one training step at ``batch_size`` are timed in a loop;
    the faster of TensorFlow and numpy is returned.
    """
    import tensorflow as tf

    rng = np.random.default_rng(1)
    b3 = 3 * batch_size
    shapes = []
    for n in (n_x, n_y):
        shapes += [
            ((batch_size, n), (n, k)),  # projection
            ((b3, k), (k, n)),  # decoder forward
            ((b3, n), (n, k)),  # gradient of the codes
            ((n, b3), (b3, k)),  # gradient of the decoder kernel
            ((n, batch_size), (batch_size, k)),  # gradient of the projection
        ]
    pairs = [
        (rng.random(a, dtype=np.float32), rng.random(b, dtype=np.float32))
        for a, b in shapes
    ]
    macs = sum(a[0] * a[1] * b[1] for a, b in shapes)
    tf_pairs = [(tf.constant(a), tf.constant(b)) for a, b in pairs]

    @tf.function
    def tf_step():
        return [tf.matmul(a, b) for a, b in tf_pairs]

    def np_step():
        return [a @ b for a, b in pairs]

    best = 0.0
    for step in (tf_step, np_step):
        step()
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds_budget:
            step()
            n += 1
        best = max(best, n * macs / (time.perf_counter() - start))
    return best


def transform_seconds(fn, z, min_seconds=0.5):
    """Mean seconds of ``fn(z)`` over enough calls to last ``min_seconds``."""
    fn(z)
    n, start = 0, time.perf_counter()
    while n < 3 or time.perf_counter() - start < min_seconds:
        fn(z)
        n += 1
    return (time.perf_counter() - start) / n


def _vm_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def memory_child(n_samples, batch_size, epochs):
    """Run in a subprocess: peak extra resident memory of one fit, in bytes."""
    import tensorflow  # noqa: F401  (imported before the baseline is read)

    x, y = structured_rows(n_samples)
    fit_ours(x[:200], y[:200], 100, 1)  # TF's own one-time allocations
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets the peak (VmHWM) to the current resident size
    except OSError:
        pass
    base = _vm_kib("VmRSS")
    fit_ours(x, y, batch_size, epochs)
    peak = _vm_kib("VmHWM")
    print(json.dumps({"extra": (peak - base) * 1024, "input": x.nbytes + y.nbytes}))


def peak_memory(n_samples, batch_size, epochs):
    path = [os.path.dirname(os.path.abspath(__file__)), os.getcwd()]
    code = (
        f"import sys; sys.path[:0] = {path!r}; import bench_speed; "
        f"bench_speed.memory_child({n_samples}, {batch_size}, {epochs})"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# ----------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short run")
    args = parser.parse_args()

    n = 12_000 if args.quick else 60_000
    scale = (2_000, 20_000) if args.quick else (10_000, 100_000)
    epochs = 3 if args.quick else 5
    digits_epochs = 30 if args.quick else 100
    repeat = 1
    x, y = structured_rows(max(n, scale[1]))
    fit_ours(x[:500], y[:500], 100, 1)  # import and initialise TF outside timings
    fit_reference(x[:500], y[:500], 100, 1)
    xn, yn = x[:n], y[:n]
    rows = []

    def row(name, value, target, better, note=""):
        ok = value >= target if better == ">=" else value <= target
        rows.append((name, value, f"{better} {target:g}", "yes" if ok else "NO", note))

    # 1. seconds per epoch against the recipe, and the arithmetic rate, for
    # the recipe's network (sigmoid outputs) and with the estimator's
    # default linear outputs, whose errors are computed from Gram matrices
    for output in ("sigmoid", "linear"):
        for batch in (100, 1000):
            t_ours = epoch_seconds(fit_ours, xn, yn, batch, epochs, repeat, output)
            t_ref = epoch_seconds(fit_reference, xn, yn, batch, epochs, repeat,
                                  output)
            row(f"epoch speed-up vs recipe, {output} outputs, batch {batch}",
                t_ref / t_ours, 3, ">=", f"ours {t_ours:.3g} s, recipe {t_ref:.3g} s")
            if batch == 100:  # where XLA measured faster
                t_jit = epoch_seconds(fit_ours, xn, yn, batch, epochs, repeat,
                                      output, jit_compile=True)
                row(f"epoch speed-up vs recipe, {output} outputs, batch 100, XLA",
                    t_ref / t_jit, 3,
                    ">=", f"ours {t_jit:.3g} s, recipe {t_ref:.3g} s")
            if batch == 1000 and output == "sigmoid":
                rate = multiply_adds_per_epoch(n, batch, x.shape[1], y.shape[1])
                rate /= t_ours
                peak = matmul_rate(batch, x.shape[1], y.shape[1])
                row("epoch matmul rate / measured matmul rate, batch 1000",
                    rate / peak, 0.3, ">=",
                    f"{rate / 1e9:.3g} of {peak / 1e9:.3g} GMAC/s")

    # 2. inference against calling the Keras model
    model = fit_ours(xn, yn, 100, 1)
    _, encoder = reference_model(x.shape[1], y.shape[1])
    for rows_in in (1, n):
        z = xn[:rows_in]
        t_np = transform_seconds(lambda a: model.transform_view(a, 0), z)
        t_keras = transform_seconds(lambda a: encoder(a), z)
        row(f"transform_view speed-up vs Keras call, {rows_in} rows",
            t_keras / t_np, 20 if rows_in == 1 else 1, ">=",
            f"ours {t_np * 1e6:.3g} us, Keras {t_keras * 1e6:.3g} us")

    # 3. a small fit end to end, graph building included
    from skcorrnet.datasets import load_digits_halves

    left, right, _ = load_digits_halves(return_X_y=True)
    left, right = left.astype(np.float32), right.astype(np.float32)
    t_ours = seconds(fit_ours, left, right, 100, digits_epochs, repeat=repeat)
    t_ref = seconds(fit_reference, left, right, 100, digits_epochs, repeat=repeat)
    row(f"digits fit speed-up vs recipe, {digits_epochs} epochs end to end",
        t_ref / t_ours, 3, ">=", f"ours {t_ours:.3g} s, recipe {t_ref:.3g} s")

    # 4. peak memory of the big fit, in a fresh process
    mem = peak_memory(n, 100, 1)
    row(f"peak extra memory / input size, {n} rows", mem["extra"] / mem["input"],
        2, "<=", f"{mem['extra'] / 2**20:.0f} MiB over {mem['input'] / 2**20:.0f} MiB")

    # 5. epoch time is linear in the rows
    small, large = (
        epoch_seconds(fit_ours, x[:m], y[:m], 100, epochs, repeat) for m in scale
    )
    ratio = large / small
    rows.append((f"epoch time {scale[1]} rows / {scale[0]} rows", ratio,
                 "8.5 .. 11.5", "yes" if 8.5 <= ratio <= 11.5 else "NO",
                 f"{small:.3g} s and {large:.3g} s"))

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'ratio':>7}  {'target':>11}  met  detail")
    for name, value, target, ok, note in rows:
        print(f"{name:<{width}}  {value:7.3g}  {target:>11}  {ok:<3}  {note}")


if __name__ == "__main__":
    main()
