"""The terms of the CorrNet loss, written plainly, as the reference.

Each function takes and returns tensors (or numpy arrays: `keras.ops`
converts them), so every term can be checked against a plain numpy
computation. Training computes the same terms, with their gradients
written out, in `_gradients`; `tests/test_gradients.py` checks those
against autodiff of these. Symbols follow Chandar et al. (2016), section 3.
"""

from keras import ops

__all__ = ["CORRELATION_EPSILON", "reconstruction_errors", "batch_correlation"]

# Added to the summed squares under each square root of the correlation so
# that a constant or dead unit gives a correlation of 0 instead of 0 / 0.
# Small against the sum of squares of any unit that carries signal.
CORRELATION_EPSILON = 1e-8


def reconstruction_errors(pre_activation, target, loss, output_activation):
    """Per-code reconstruction error, summed over features, averaged over rows.

    Parameters
    ----------
    pre_activation : tensor of shape (n_codes, batch, n_features)
        Decoder output before its activation, one slice per code the view
        was reconstructed from (joint, view 0 alone, view 1 alone).
    target : tensor of shape (batch, n_features)
        The view itself, broadcast against every slice (never tiled).
    loss : {"squared_error", "cross_entropy"}
        Squared error of the activated output, or binary cross-entropy
        computed from the pre-activation (the output activation is then the
        sigmoid).
    output_activation : callable
        Applied before the squared error.

    Returns
    -------
    tensor of shape (n_codes,)
    """
    target = ops.expand_dims(target, 0)
    if loss == "cross_entropy":
        # -t log s(z) - (1 - t) log(1 - s(z)) == softplus(z) - t z, stably.
        per_entry = ops.softplus(pre_activation) - target * pre_activation
    else:
        per_entry = ops.square(output_activation(pre_activation) - target)
    return ops.mean(ops.sum(per_entry, axis=-1), axis=-1)


def batch_correlation(h0, h1, epsilon=CORRELATION_EPSILON):
    """Sum over hidden units of the Pearson correlation across the batch.

    The last term of the paper's objective (before its weight ``lambda``):
    ``sum_j cov(h0_j, h1_j) / (sqrt(var h0_j + eps) sqrt(var h1_j + eps))``,
    with means, sums and variances taken over rows (axis 0), per unit.
    """
    a = h0 - ops.mean(h0, axis=0, keepdims=True)
    b = h1 - ops.mean(h1, axis=0, keepdims=True)
    num = ops.sum(a * b, axis=0)
    den = ops.sqrt(ops.sum(a * a, axis=0) + epsilon) * ops.sqrt(
        ops.sum(b * b, axis=0) + epsilon
    )
    return ops.sum(num / den)
