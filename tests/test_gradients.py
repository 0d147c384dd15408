"""The written-out gradients of `_gradients` against autodiff of `_objective`.

Every check runs in float64, where both sides agree to rounding, on random
weights and data: the plain formulas (`_forward` passes, stacked codes,
`reconstruction_errors`, `batch_correlation`) are differentiated by
TensorFlow's autodiff and compared with the hand-written backward passes.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from skcorrnet import _forward, _gradients  # noqa: E402
from skcorrnet._objective import (  # noqa: E402
    batch_correlation,
    reconstruction_errors,
)

# (loss, output activation) pairs the estimator trains with; cross-entropy
# always decodes through a sigmoid
OUTPUTS = [("squared_error", act) for act in ("linear", "sigmoid", "tanh", "relu")]
OUTPUTS.append(("cross_entropy", "sigmoid"))
HIDDEN = ("sigmoid", "tanh", "relu", "linear")
# the gradient of a value weighted per code: exercises the per-code scaling
UPSTREAM = [1.0, -0.5, 2.0]


def _constant(rng, *shape):
    return tf.constant(rng.standard_normal(shape))


def _gradients_of(value, sources, tape):
    return [np.asarray(g) for g in tape.gradient(value, sources)]


@pytest.mark.parametrize("loss, output", OUTPUTS)
def test_decoder_errors_match_autodiff(loss, output):
    rng = np.random.default_rng(0)
    batch, m, n = 7, 5, 6
    h, kernel, bias = _constant(rng, 3 * batch, m), _constant(rng, m, n), _constant(
        rng, n
    )
    target = tf.constant(rng.random((batch, n)))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([h, kernel, bias])
        ours = _gradients.decoder_errors(
            h, kernel, bias, target, loss=loss, output_activation=output
        )
        z = tf.reshape(h @ kernel + bias, (3, batch, n))
        plain = reconstruction_errors(z, target, loss, keras.activations.get(output))
        weighted = [tf.reduce_sum(v * UPSTREAM) for v in (ours, plain)]
    assert_allclose(ours, plain, rtol=1e-12)
    for a, b in zip(*(_gradients_of(w, [h, kernel, bias], tape) for w in weighted)):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("blocks", [1, 2])
def test_linear_decoder_errors_match_autodiff(blocks):
    rng = np.random.default_rng(1)
    batch, m, widths = 9, 4, (6, 3)[:blocks]
    h = _constant(rng, 3 * batch, m)
    layers = [
        (_constant(rng, m, n), _constant(rng, n), tf.constant(rng.random((batch, n))))
        for n in widths
    ]
    sources = [h] + [w for kernel, bias, _ in layers for w in (kernel, bias)]
    linear = keras.activations.get("linear")
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(sources)
        ours = _gradients.linear_decoder_errors(h, layers)
        plain = sum(
            reconstruction_errors(
                tf.reshape(h @ kernel + bias, (3, batch, -1)), target,
                "squared_error", linear,
            )
            for kernel, bias, target in layers
        )
        weighted = [tf.reduce_sum(v * UPSTREAM) for v in (ours, plain)]
    # the expansion into Gram terms rounds differently: a few ulps of the
    # targets' sum of squares
    assert_allclose(ours, plain, rtol=1e-11)
    for a, b in zip(*(_gradients_of(w, sources, tape) for w in weighted)):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("batch", [2, 11])
def test_code_correlation_matches_autodiff(batch):
    rng = np.random.default_rng(2)
    codes = _constant(rng, 3 * batch, 4)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(codes)
        ours = 1.7 * _gradients.code_correlation(codes)
        plain = 1.7 * batch_correlation(codes[batch : 2 * batch], codes[2 * batch :])
    assert_allclose(ours, plain, rtol=1e-12)
    assert_allclose(tape.gradient(ours, codes), tape.gradient(plain, codes),
                    rtol=1e-10, atol=1e-12)


def _plain_terms(params, x, y, activation, loss, output, weight):
    """The loss terms from the plain formulas, for autodiff."""
    act = keras.activations.get(activation)
    pre = _forward.encode(params, x, y, act)
    names = ("joint", "view0", "view1")
    errors = 0.0
    for view, target in enumerate((x, y)):
        outs = tf.stack([
            _forward.decode_pre(params, act(pre[name]), view, act, tf.transpose)
            for name in names
        ])
        errors += reconstruction_errors(
            outs, target, loss, keras.activations.get(output)
        )
    correlation = batch_correlation(act(pre["view0"]), act(pre["view1"]))
    total = tf.reduce_sum(errors) - weight * correlation
    return total, errors[0], errors[1], errors[2], correlation


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("loss, output", OUTPUTS)
@pytest.mark.parametrize("activation", HIDDEN)
def test_shallow_objective_matches_autodiff(activation, loss, output, tied):
    rng = np.random.default_rng(3)
    n_x, n_y, k, batch = 5, 4, 3, 8
    shapes = _forward.param_shapes(n_x, n_y, k, (), tied)
    params = {
        name: tf.constant(value)
        for name, value in _forward.init_params(shapes, rng, np.float64).items()
    }
    # nonzero biases, so that every term of the expansions is exercised
    params = {
        name: p + 0.1 * _constant(rng, *p.shape) if "bias" in name else p
        for name, p in params.items()
    }
    x = tf.constant(rng.random((batch, n_x)))
    y = tf.constant(rng.random((batch, n_y)))
    settings = dict(activation=activation, loss=loss, output_activation=output)
    terms, grads = _gradients.shallow_objective(
        params, x, y, correlation_weight=2.0, **settings
    )
    with tf.GradientTape() as tape:
        tape.watch(list(params.values()))
        plain = _plain_terms(params, x, y, activation, loss, output, 2.0)
    expected = tape.gradient(plain[0], params)
    assert_allclose(np.array(terms), np.array(plain), rtol=1e-10, atol=1e-12)
    assert set(grads) == set(params)
    for name in params:
        assert_allclose(grads[name], expected[name], rtol=1e-9, atol=1e-11,
                        err_msg=name)


@pytest.mark.parametrize("hidden", [(), (6,), (6, 5)])
@pytest.mark.parametrize("loss, output", [OUTPUTS[0], OUTPUTS[1], OUTPUTS[-1]])
def test_training_model_gradient_matches_autodiff(hidden, loss, output):
    """The model's gradient of its flat weights, shallow and deep, in float32."""
    from skcorrnet._network import CorrNetModel

    rng = np.random.default_rng(4)
    shapes = _forward.param_shapes(5, 4, 3, hidden, False)
    params = _forward.init_params(shapes, rng)
    x = rng.random((10, 5)).astype(np.float32)
    y = rng.random((10, 4)).astype(np.float32)
    model = CorrNetModel(params, activation="tanh", output_activation=output,
                         loss=loss, correlation_weight=2.0)
    terms, flat_grad = model._terms_and_gradient(tf.constant(x), tf.constant(y))
    tensors = {name: tf.constant(p.astype(np.float64)) for name, p in params.items()}
    with tf.GradientTape() as tape:
        tape.watch(list(tensors.values()))
        plain = _plain_terms(tensors, tf.constant(x, tf.float64),
                             tf.constant(y, tf.float64), "tanh", loss, output, 2.0)
    expected = tape.gradient(plain[0], tensors)
    expected_flat = np.concatenate([np.ravel(expected[n]) for n in model.names_])
    # float32 against float64: sums of a few dozen products
    assert_allclose(np.array(terms), np.array(plain), rtol=1e-4, atol=1e-5)
    assert_allclose(flat_grad, expected_flat, rtol=1e-3, atol=1e-4)
