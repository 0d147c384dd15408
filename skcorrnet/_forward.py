"""Forward pass of a CorrNet, written once for numpy arrays and tensors.

Every function here uses only ``@``, ``+`` and an activation table, so the same
code runs on numpy arrays at inference time and on TensorFlow tensors inside the
training step. The weights are a plain dict of arrays (see `init_params`).
"""

import numpy as np
from scipy.special import expit

__all__ = [
    "ACTIVATIONS", "init_params", "encode", "decode_last", "decode_pre", "param_shapes"
]


def _identity(a):
    return a


def _relu(a):
    return np.maximum(a, 0)


# numpy versions of the activations the estimator accepts; the training step
# uses the matching functions from `keras.activations`.
ACTIVATIONS = {
    "sigmoid": expit,
    "tanh": np.tanh,
    "relu": _relu,
    "linear": _identity,
}


def param_shapes(n_x, n_y, n_components, hidden_layer_sizes, tied_weights):
    """Return an ordered dict-like list of ``(name, shape)`` for every weight.

    Names: ``enc{v}_{i}_kernel/bias`` for the hidden layers of view ``v``;
    ``proj{v}`` for the code projections (``W`` and ``V`` of the paper, no
    bias); ``code_bias`` (``b``); ``dec{v}_{i}_kernel/bias`` for the decoder
    of view ``v``, whose last layer maps to the view's features. Tied decoder
    kernels are not listed: they are transposes of encoder kernels.
    """
    shapes = []
    widths = list(hidden_layer_sizes)
    for v, n_in in enumerate((n_x, n_y)):
        sizes = [n_in] + widths
        for i in range(len(widths)):
            shapes.append((f"enc{v}_{i}_kernel", (sizes[i], sizes[i + 1])))
            shapes.append((f"enc{v}_{i}_bias", (sizes[i + 1],)))
        shapes.append((f"proj{v}", (sizes[-1], n_components)))
    shapes.append(("code_bias", (n_components,)))
    for v, n_in in enumerate((n_x, n_y)):
        sizes = [n_components] + widths[::-1] + [n_in]
        for i in range(len(sizes) - 1):
            if not tied_weights:
                shapes.append((f"dec{v}_{i}_kernel", (sizes[i], sizes[i + 1])))
            shapes.append((f"dec{v}_{i}_bias", (sizes[i + 1],)))
    return shapes


def init_params(shapes, rng, dtype=np.float32):
    """Glorot-uniform kernels and zero biases, drawn from ``rng``."""
    params = {}
    for name, shape in shapes:
        if len(shape) == 2:
            limit = np.sqrt(6.0 / (shape[0] + shape[1]))
            params[name] = rng.uniform(-limit, limit, size=shape).astype(dtype)
        else:
            params[name] = np.zeros(shape, dtype=dtype)
    return params


def _n_hidden(params):
    n = 0
    while f"enc0_{n}_kernel" in params:
        n += 1
    return n


def _branch(params, view, a, act):
    for i in range(_n_hidden(params)):
        a = act(a @ params[f"enc{view}_{i}_kernel"] + params[f"enc{view}_{i}_bias"])
    return a @ params[f"proj{view}"]


def _zero_branch(params, view, act):
    """Contribution of view ``view`` when its input is all zeros: one row."""
    n = _n_hidden(params)
    if n == 0:
        return 0.0
    a = act(params[f"enc{view}_0_bias"][None, :])
    for i in range(1, n):
        a = act(a @ params[f"enc{view}_{i}_kernel"] + params[f"enc{view}_{i}_bias"])
    return a @ params[f"proj{view}"]


def encode(params, x, y, act, which=("joint", "view0", "view1")):
    """Pre-activation codes ``W x + V y + b`` for the requested inputs.

    ``x`` or ``y`` may be None when no requested code needs it. The view
    projections are computed once and shared by all requested codes; a view
    that is zeroed contributes its branch applied to a zero row.
    Returns a dict from the names in ``which`` to pre-activation codes.
    """
    b = params["code_bias"]
    px = _branch(params, 0, x, act) if x is not None else None
    py = _branch(params, 1, y, act) if y is not None else None
    out = {}
    for name in which:
        if name == "joint":
            out[name] = px + py + b
        elif name == "view0":
            out[name] = px + (_zero_branch(params, 1, act) + b)
        elif name == "view1":
            out[name] = py + (_zero_branch(params, 0, act) + b)
        else:
            raise ValueError(f"unknown code {name!r}")
    return out


def _decoder_kernel(params, view, i, transpose):
    """Kernel ``i`` of the decoder of ``view``; tied kernels mirror the encoder."""
    name = f"dec{view}_{i}_kernel"
    if name in params:
        return params[name]
    n = _n_hidden(params)
    # decoder layer i mirrors encoder layer n - i (layer n is the projection)
    mirror = f"proj{view}" if i == 0 else f"enc{view}_{n - i}_kernel"
    return transpose(params[mirror])


def decode_last(params, h, view, act, transpose=np.transpose):
    """The decoder of ``view`` up to its last layer.

    Returns ``(a, kernel, bias)``: the input of the last layer (``h`` itself
    for a shallow network) and that layer's weights, so that the
    pre-activation reconstruction is ``a @ kernel + bias``.
    """
    n = _n_hidden(params)
    a = h
    for i in range(n):
        a = act(
            a @ _decoder_kernel(params, view, i, transpose)
            + params[f"dec{view}_{i}_bias"]
        )
    return a, _decoder_kernel(params, view, n, transpose), params[f"dec{view}_{n}_bias"]


def decode_pre(params, h, view, act, transpose=np.transpose):
    """Pre-activation reconstruction of view ``view`` from codes ``h``."""
    a, kernel, bias = decode_last(params, h, view, act, transpose)
    return a @ kernel + bias
