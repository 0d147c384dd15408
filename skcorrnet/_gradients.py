"""The CorrNet objective in TensorFlow with its gradient written out.

Autodiff of the objective makes a graph of a few hundred small ops per
training step, and at the batch sizes CorrNet trains with, running them
costs more than the arithmetic. Here each piece of the objective returns
its value together with a ``backward`` function that maps the gradient of
the value to the gradients of the piece's inputs, using the fused kernels
TensorFlow has for activation gradients and applying per-row weights to the
small tensors rather than to the ``(3, batch, n_features)`` outputs.

The pieces serve twice: wrapped in `tf.custom_gradient` for networks with
hidden layers, which autodiff differentiates around them, and chained by
hand in `shallow_objective` for the default shallow network, whose whole
step is then a few dozen kernels. `tests/test_gradients.py` checks every
value and gradient against autodiff of the plain formulas of `_objective`.
"""

import keras
import tensorflow as tf

from ._objective import CORRELATION_EPSILON

__all__ = [
    "code_correlation",
    "decoder_errors",
    "linear_decoder_errors",
    "shallow_objective",
    "uses_gram_errors",
]

# the gradient through an activation, given its output ``out`` and the
# gradient ``d`` of its output: one fused kernel where TensorFlow has one
_ACTIVATION_GRADIENTS = {
    "sigmoid": lambda out, d: tf.raw_ops.SigmoidGrad(y=out, dy=d),
    "tanh": lambda out, d: tf.raw_ops.TanhGrad(y=out, dy=d),
    "relu": lambda out, d: tf.raw_ops.ReluGrad(gradients=d, features=out),
    "linear": lambda out, d: d,
}


def uses_gram_errors(loss, output_activation):
    """Whether the errors come from Gram matrices (`linear_decoder_parts`)."""
    return loss == "squared_error" and output_activation == "linear"


def activation_gradient(name, out, d):
    """The gradient ``d`` pulled back through activation ``name``."""
    return _ACTIVATION_GRADIENTS[name](out, d)


def decoder_parts(h, kernel, bias, target, *, loss, output_activation):
    """Reconstruction errors of a decoder's last layer and their backward.

    ``h`` stacks the layer's input for the three codes (joint, view 0
    alone, view 1 alone), shape ``(3 * batch, m)``; ``kernel`` and ``bias``
    map it to the ``n`` features of ``target``, shape ``(batch, n)``.
    Returns the three errors, as `_objective.reconstruction_errors` defines
    them, and ``backward(upstream) -> (dh, dkernel, dbias)``, where
    ``upstream=None`` stands for a weight of one on every code (the loss).
    """
    n = target.shape[-1]
    batch = tf.shape(target)[0]
    rows = tf.cast(batch, h.dtype)
    z = tf.nn.bias_add(tf.matmul(h, kernel), bias)
    if loss == "cross_entropy":
        # softplus(z) - t z, whose gradient is sigmoid(z) - t
        z = tf.reshape(z, (3, batch, n))
        e = tf.sigmoid(z) - target
        per_code = tf.reduce_sum(tf.nn.softplus(z) - target * z, axis=(1, 2))
        scale = 1.0 / rows
    else:
        # activation next to the bias: TensorFlow fuses the three
        out = keras.activations.get(output_activation)(z)
        out = tf.reshape(out, (3, batch, n))
        e = out - target
        flat_e = tf.reshape(e, (3, 1, -1))
        per_code = tf.reshape(tf.matmul(flat_e, flat_e, transpose_b=True), (3,))
        scale = 2.0 / rows

    def backward(upstream=None):
        dz = e if loss == "cross_entropy" else activation_gradient(
            output_activation, out, e
        )
        dz = tf.reshape(dz, (3 * batch, n))
        if upstream is None:  # every code counts once, as in the loss
            return (
                tf.matmul(dz, kernel, transpose_b=True) * scale,
                tf.matmul(h, dz, transpose_a=True) * scale,
                tf.reduce_sum(dz, axis=0) * scale,
            )
        # each code's weight goes on the rows of h and of dh, not on dz
        weights = upstream * scale
        rows_weight = tf.reshape(
            tf.broadcast_to(weights[:, None], (3, batch)), (3 * batch, 1)
        )
        dh = tf.matmul(dz, kernel, transpose_b=True) * rows_weight
        dkernel = tf.matmul(h * rows_weight, dz, transpose_a=True)
        dbias = tf.linalg.matvec(
            tf.reduce_sum(tf.reshape(dz, (3, batch, n)), axis=1), weights,
            transpose_a=True,
        )
        return dh, dkernel, dbias

    return per_code / rows, backward


def linear_decoder_parts(h, layers):
    """Squared errors of linear output layers, from Gram matrices of the codes.

    ``h`` stacks the layers' input for the three codes, shape
    ``(3 * batch, m)``; ``layers`` is a list of ``(kernel, bias, target)``,
    one per block of features decoded from ``h`` (both views of a shallow
    network, or one view). Returns the three errors summed over the blocks
    and ``backward(upstream) -> (dh, dkernel_1, dbias_1, dkernel_2, ...)``;
    ``upstream=None`` stands for a weight of one on every code.

    With a linear output ``||h_c K + 1 b' - t||^2`` expands into the
    ``m x m`` Gram matrix ``h_c' h_c``, ``K K'``, the ``batch x m`` product
    ``t K'`` and sums over ``t``, and the gradient is linear in the same
    pieces. A step then takes two ``batch x m x n`` products per block
    where decoding the three codes takes nine, and never forms the
    ``(3, batch, n)`` output. The value loses relative precision when the
    error is tiny against the targets' sum of squares (float32
    cancellation); the gradient does not cancel that way.
    """
    m = h.shape[-1]
    batch = tf.shape(h)[0] // 3
    rows = tf.cast(batch, h.dtype)
    hc = tf.reshape(h, (3, batch, m))
    gram = tf.matmul(hc, hc, transpose_a=True)  # (3, m, m)
    sums = tf.reduce_sum(hc, axis=1)  # (3, m)
    kk, kb, p, const, t_sums = 0.0, 0.0, 0.0, 0.0, []
    for kernel, bias, target in layers:
        kk += tf.matmul(kernel, kernel, transpose_b=True)
        kb += tf.linalg.matvec(kernel, bias)
        p += tf.matmul(target, kernel, transpose_b=True)  # (batch, m)
        t_sums.append(tf.reduce_sum(target, axis=0))
        const += (
            rows * tf.reduce_sum(tf.square(bias))
            - 2.0 * tf.tensordot(t_sums[-1], bias, 1)
            + 2.0 * tf.nn.l2_loss(target)
        )
    # ||h_c K||^2 + 2 <h_c K, 1 b'> - 2 <h_c K, t> + ||1 b' - t||^2
    per_code = (
        tf.reduce_sum(gram * kk, axis=(1, 2))
        + 2.0 * tf.linalg.matvec(sums, kb)
        - 2.0 * tf.reduce_sum(hc * p, axis=(1, 2))
        + const
    )

    def backward(upstream=None):
        if upstream is None:  # every code counts once, as in the loss
            scale = 2.0 / rows
            dh = (tf.matmul(hc, kk) + kb - p) * scale
            weighted, wgram, wsums = (
                tf.reduce_sum(t, axis=0) * scale for t in (hc, gram, sums)
            )
            total_scale = 3.0 * scale
        else:
            scale = upstream * (2.0 / rows)  # (3,)
            dh = (tf.matmul(hc, kk) + kb - p) * scale[:, None, None]
            weighted = tf.tensordot(scale, hc, 1)  # sum_c scale_c h_c
            wgram = tf.tensordot(scale, gram, 1)
            wsums = tf.linalg.matvec(sums, scale, transpose_a=True)
            total_scale = tf.reduce_sum(scale)
        # dh above: the residual times K', per code, h_c K K' + 1 (K b)' - t K'
        grads = []
        for (kernel, bias, target), t_sum in zip(layers, t_sums):
            grads.append(
                tf.matmul(wgram, kernel)
                + wsums[:, None] * bias
                - tf.matmul(weighted, target, transpose_a=True)
            )
            grads.append(
                tf.linalg.matvec(kernel, wsums, transpose_a=True)
                + total_scale * (rows * bias - t_sum)
            )
        return (tf.reshape(dh, (3 * batch, m)), *grads)

    return per_code / rows, backward


def correlation_parts(codes):
    """`_objective.batch_correlation` of the view-0 and view-1 codes.

    ``codes`` stacks the joint, view-0 and view-1 codes, shape
    ``(3 * batch, k)``. Returns the correlation and
    ``backward(upstream) -> dcodes``. Per unit, with centred codes ``a``
    and ``b``, covariance sum ``c`` and summed squares (plus epsilon)
    ``s_a``, ``s_b``: ``d corr / d a = (b - a c / s_a) / sqrt(s_a s_b)``,
    which is centred already, so the means need no gradient of their own.
    """
    k = codes.shape[-1]
    _, h0, h1 = tf.unstack(tf.reshape(codes, (3, -1, k)))
    a = h0 - tf.reduce_mean(h0, axis=0)
    b = h1 - tf.reduce_mean(h1, axis=0)
    cov = tf.reduce_sum(a * b, axis=0)
    sa = tf.reduce_sum(tf.square(a), axis=0) + CORRELATION_EPSILON
    sb = tf.reduce_sum(tf.square(b), axis=0) + CORRELATION_EPSILON
    inv = tf.math.rsqrt(sa * sb)

    def backward(upstream):
        g = upstream * inv
        da = (b - a * (cov / sa)) * g
        db = (a - b * (cov / sb)) * g
        return tf.concat([tf.zeros_like(h0), da, db], axis=0)

    return tf.reduce_sum(cov * inv), backward


def decoder_errors(h, kernel, bias, target, *, loss, output_activation):
    """`decoder_parts` as a differentiable function of ``h``, kernel, bias."""

    @tf.custom_gradient
    def errors(h, kernel, bias):
        return decoder_parts(
            h, kernel, bias, target, loss=loss, output_activation=output_activation
        )

    return errors(h, kernel, bias)


def linear_decoder_errors(h, layers):
    """`linear_decoder_parts` as a differentiable function of h and weights."""

    @tf.custom_gradient
    def errors(h, *weights):
        pairs = zip(weights[::2], weights[1::2], (t for _, _, t in layers))
        return linear_decoder_parts(h, list(pairs))

    return errors(h, *(w for kernel, bias, _ in layers for w in (kernel, bias)))


@tf.custom_gradient
def code_correlation(codes):
    """`correlation_parts` as a differentiable function of the codes."""
    return correlation_parts(codes)


def shallow_objective(params, x, y, *, activation, loss, output_activation,
                      correlation_weight):
    """Loss terms and gradients of a network without hidden layers.

    ``params`` maps the names of `_forward.param_shapes` to tensors (tied
    decoders have no kernels of their own). Returns ``(terms, gradients)``:
    ``terms`` is ``(loss, joint, from_view0, from_view1, correlation)`` and
    ``gradients`` maps every name of ``params`` to the gradient of the loss.
    In graph mode, a caller that uses only ``terms`` pays for no gradient.
    """
    proj0, proj1, bias = params["proj0"], params["proj1"], params["code_bias"]
    tied = "dec0_0_kernel" not in params
    kernels = (
        [tf.transpose(proj0), tf.transpose(proj1)] if tied
        else [params["dec0_0_kernel"], params["dec1_0_kernel"]]
    )
    biases = [params["dec0_0_bias"], params["dec1_0_bias"]]
    px, py = tf.matmul(x, proj0), tf.matmul(y, proj1)
    codes = keras.activations.get(activation)(
        tf.nn.bias_add(tf.concat([px + py, px, py], axis=0), bias)
    )
    if uses_gram_errors(loss, output_activation):
        errors, decoder_backward = linear_decoder_parts(
            codes, list(zip(kernels, biases, (x, y)))
        )
    else:
        parts = [
            decoder_parts(codes, kernel, bias_, target, loss=loss,
                          output_activation=output_activation)
            for kernel, bias_, target in zip(kernels, biases, (x, y))
        ]
        errors = parts[0][0] + parts[1][0]

        def decoder_backward():
            (dh0, dk0, db0), (dh1, dk1, db1) = (back() for _, back in parts)
            return dh0 + dh1, dk0, db0, dk1, db1

    correlation, correlation_backward = correlation_parts(codes)
    total = tf.reduce_sum(errors) - correlation_weight * correlation
    terms = (total, errors[0], errors[1], errors[2], correlation)

    dcodes, dk0, db0, dk1, db1 = decoder_backward()
    dcodes -= correlation_backward(correlation_weight)
    dpre = activation_gradient(activation, codes, dcodes)
    d_joint, d_view0, d_view1 = tf.unstack(
        tf.reshape(dpre, (3, -1, codes.shape[-1]))
    )
    dproj0 = tf.matmul(x, d_joint + d_view0, transpose_a=True)
    dproj1 = tf.matmul(y, d_joint + d_view1, transpose_a=True)
    gradients = {"code_bias": tf.reduce_sum(dpre, axis=0),
                 "dec0_0_bias": db0, "dec1_0_bias": db1}
    if tied:
        gradients["proj0"] = dproj0 + tf.transpose(dk0)
        gradients["proj1"] = dproj1 + tf.transpose(dk1)
    else:
        gradients.update(proj0=dproj0, proj1=dproj1, dec0_0_kernel=dk0,
                         dec1_0_kernel=dk1)
    return terms, gradients
