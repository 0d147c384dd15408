"""How the training side hands numpy data to TensorFlow."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

tf = pytest.importorskip("tensorflow")

from skcorrnet._network import as_tensor  # noqa: E402


def _layouts():
    """The same float32 values in the layouts a fit may be handed."""
    values = np.random.default_rng(0).random((50, 7), dtype=np.float32)
    def at_offset(floats):
        """A copy of ``values`` starting ``floats`` past a 64-byte boundary."""
        buffer = np.empty(values.size + 32, dtype=np.float32)
        start = (-buffer.ctypes.data % 64) // 4 + floats
        out = buffer[start : start + values.size].reshape(values.shape)
        out[...] = values
        return out

    aligned = at_offset(0)
    # TensorFlow's kernels abort on a buffer that is not 64-byte aligned
    unaligned = at_offset(1)
    read_only = values.copy()
    read_only.flags.writeable = False
    wide = np.hstack([values, values])
    return values, {
        "aligned": aligned,
        "unaligned": unaligned,
        "float64": values.astype(np.float64),
        "fortran": np.asfortranarray(values),
        "column slice": wide[:, : values.shape[1]],
        "read-only": read_only,
    }


@pytest.mark.parametrize("layout", list(_layouts()[1]))
def test_as_tensor_keeps_the_values_of_any_layout(layout):
    values, arrays = _layouts()
    tensor = as_tensor(arrays[layout])
    assert tensor.dtype == tf.float32
    assert_array_equal(tensor.numpy(), values)
    # the kernels a training step runs on it
    rows = tf.gather(tensor, [3, 1, 4])
    assert_array_equal(rows.numpy(), values[[3, 1, 4]])
    product = tf.matmul(tensor, tf.ones((values.shape[1], 2))).numpy()
    np.testing.assert_allclose(product[:, 0], values.sum(axis=1), rtol=1e-6)
