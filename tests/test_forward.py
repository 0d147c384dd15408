"""The numpy forward pass used at inference matches the Keras training model."""

import pickle
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skcorrnet import CorrNetTransformer, _forward

ACTIVATIONS = sorted(_forward.ACTIVATIONS)
SHAPES = [((), False), ((7,), False), ((), True), ((7,), True)]


def _random_params(hidden, tied, seed=0):
    rng = np.random.RandomState(seed)
    shapes = _forward.param_shapes(5, 4, 3, hidden, tied)
    params = _forward.init_params(shapes, rng)
    # non-zero biases so that every bias is exercised
    return {k: v + 0.3 * rng.standard_normal(v.shape).astype(np.float32)
            for k, v in params.items()}


def _numpy_terms(params, x, y, act, out_act, correlation_weight):
    """The CorrNet loss terms in plain numpy, from the numpy forward pass."""
    pre = _forward.encode(params, x, y, act)
    codes = {k: act(v) for k, v in pre.items()}
    errors = []
    for name in ("joint", "view0", "view1"):
        err = 0.0
        for view, target in enumerate((x, y)):
            rec = out_act(_forward.decode_pre(params, codes[name], view, act))
            err += np.mean(np.sum((rec - target) ** 2, axis=1))
        errors.append(err)
    a = codes["view0"] - codes["view0"].mean(axis=0)
    b = codes["view1"] - codes["view1"].mean(axis=0)
    corr = np.sum(
        (a * b).sum(axis=0)
        / (np.sqrt((a * a).sum(axis=0) + 1e-8) * np.sqrt((b * b).sum(axis=0) + 1e-8))
    )
    loss = sum(errors) - correlation_weight * corr
    return dict(zip(("loss", "joint", "from_view0", "from_view1", "correlation"),
                    (loss, *errors, corr)))


@pytest.mark.parametrize("hidden, tied", SHAPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_numpy_forward_matches_tensor_forward(hidden, tied, activation):
    """Codes and reconstructions from numpy equal those from Keras tensors."""
    keras = pytest.importorskip("keras")
    params = _random_params(hidden, tied)
    rng = np.random.RandomState(1)
    x = rng.standard_normal((6, 5)).astype(np.float32)
    y = rng.standard_normal((6, 4)).astype(np.float32)

    np_act = _forward.ACTIVATIONS[activation]
    tf_act = keras.activations.get(activation)
    tensors = {k: keras.ops.convert_to_tensor(v) for k, v in params.items()}
    np_pre = _forward.encode(params, x, y, np_act)
    tf_pre = _forward.encode(tensors, keras.ops.convert_to_tensor(x),
                             keras.ops.convert_to_tensor(y), tf_act)
    for name in ("joint", "view0", "view1"):
        # float32 products of a few terms: a few ulps of values of order 1
        assert_allclose(np_pre[name], keras.ops.convert_to_numpy(tf_pre[name]),
                        rtol=1e-5, atol=1e-5)
        for view in (0, 1):
            np_out = _forward.decode_pre(params, np_act(np_pre[name]), view, np_act)
            tf_out = _forward.decode_pre(
                tensors, tf_act(tf_pre[name]), view, tf_act, keras.ops.transpose
            )
            assert_allclose(np_out, keras.ops.convert_to_numpy(tf_out),
                            rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("hidden, tied", SHAPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_training_model_objective_matches_numpy(hidden, tied, activation):
    """CorrNetModel.objective_terms equals the loss computed from the numpy pass."""
    pytest.importorskip("tensorflow")
    from skcorrnet._network import CorrNetModel

    params = _random_params(hidden, tied, seed=2)
    rng = np.random.RandomState(3)
    x = rng.standard_normal((8, 5)).astype(np.float32)
    y = rng.standard_normal((8, 4)).astype(np.float32)
    model = CorrNetModel(params, activation=activation, output_activation="sigmoid",
                         loss="squared_error", correlation_weight=2.0)
    terms = {k: float(v) for k, v in model.objective_terms(x, y).items()}
    expected = _numpy_terms(params, x.astype(np.float64), y.astype(np.float64),
                            _forward.ACTIVATIONS[activation],
                            _forward.ACTIVATIONS["sigmoid"], 2.0)
    for name, value in expected.items():
        # float32 training against float64 numpy, sums of a few dozen terms
        assert_allclose(terms[name], value, rtol=1e-4, atol=1e-4, err_msg=name)


_CHILD = """
import pickle, sys
import numpy as np
model = pickle.loads(sys.stdin.buffer.read())
rows = np.linspace(0, 1, 2 * 32).reshape(2, 32)
codes = model.transform_view(rows, 0), model.transform_view(rows, 1)
model.transform(rows), model.predict_view(rows, 0)
assert "tensorflow" not in sys.modules, "transform imported tensorflow"
assert "keras" not in sys.modules, "transform imported keras"
np.save(sys.stdout.buffer, np.stack(codes))
"""


def test_pickled_model_transforms_without_tensorflow(tmp_path):
    """A fitted model, unpickled in a fresh process, never imports TensorFlow."""
    from skcorrnet.datasets import load_digits_halves

    left, right, _ = load_digits_halves(return_X_y=True)
    model = CorrNetTransformer(n_components=3, max_iter=2, random_state=0)
    with pytest.warns(Warning):  # ConvergenceWarning: two epochs only
        model.fit(left[:200], right[:200])
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=pickle.dumps(model),
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    out = tmp_path / "codes.npy"
    out.write_bytes(done.stdout)
    rows = np.linspace(0, 1, 2 * 32).reshape(2, 32)
    expected = np.stack([model.transform_view(rows, 0), model.transform_view(rows, 1)])
    # same numpy code on the same weights in both processes
    assert_allclose(np.load(out), expected, rtol=1e-12)
