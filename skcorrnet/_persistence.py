"""Saving and loading estimators without pickle: a JSON header and plain arrays.

A model file is one ``.npz`` archive. Its ``header`` entry is a JSON string
holding the format name and version, the class name, the constructor
parameters and the structure of the fitted state; every array of the state
(weights, CCA rotation, means, feature names) is its own entry, referred to by
name from the header. The header carries a SHA-256 digest of every array and
the ``digest`` entry one of the header, since numpy does not always check the
archive's own CRC when reading. Files are read with ``allow_pickle=False`` and decoded
from a closed set of plain types, so loading a file never runs code from it.
"""

import hashlib
import json
import os
import tempfile

import numpy as np

from . import _forward
from ._estimator import CorrNetTransformer
from .metrics import CCARotation

__all__ = ["save_model", "load_model"]

_FORMAT = "skcorrnet-model"

# Bumped when the layout of the file changes; `load_model` refuses files of a
# later version than it knows.
FORMAT_VERSION = 1

# The only classes a file may name: loading builds nothing else.
_CLASSES = {"CorrNetTransformer": CorrNetTransformer}

# Attributes never saved. The estimator keeps no framework object (training
# borrows a Keras model from a pool), so there are none today.
_TRANSIENT = frozenset()


class _Encoder:
    """Turns nested Python and numpy values into JSON plus named arrays."""

    def __init__(self):
        self.arrays = {}

    def _array(self, value, where):
        kind = value.dtype.kind
        node = {"array": f"a{len(self.arrays)}"}
        if kind == "O":
            if not all(isinstance(v, str) for v in value.ravel()):
                raise TypeError(
                    f"{where} is an object array that does not hold only strings; "
                    "it cannot be saved without pickle."
                )
            value = value.astype(str)
            node["object"] = True
        elif kind not in "biufU":
            raise TypeError(f"{where} has dtype {value.dtype}, which cannot be saved.")
        self.arrays[node["array"]] = np.ascontiguousarray(value)
        return node

    def encode(self, value, where):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.generic):
            return self.encode(value.item(), where)
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, np.ndarray):
            return self._array(value, where)
        if isinstance(value, CCARotation):
            fields = value._asdict().items()
            return {"cca": {k: self.encode(v, f"{where}.{k}") for k, v in fields}}
        if isinstance(value, (tuple, list)):
            items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return {type(value).__name__: items}
        if isinstance(value, dict):
            return {
                "dict": [
                    [self.encode(k, where), self.encode(v, f"{where}[{k!r}]")]
                    for k, v in value.items()
                ]
            }
        if isinstance(value, slice):
            ends = (value.start, value.stop, value.step)
            return {"slice": [self.encode(v, where) for v in ends]}
        if isinstance(value, np.random.RandomState):
            return {"random_state": self.encode(value.get_state(), where)}
        raise TypeError(
            f"{where} is a {type(value).__name__}, which save_model cannot store "
            "without pickle. Use plain numbers, strings, lists or arrays for it."
        )


def _decode(node, arrays):
    """Inverse of `_Encoder.encode`; raises KeyError or TypeError on bad input."""
    if node is None or isinstance(node, (bool, str, int, float)):
        return node
    if not isinstance(node, dict) or len(node) not in (1, 2):
        raise TypeError(f"unexpected node {str(node)[:60]}")
    if "array" in node:
        value = arrays[node["array"]]
        return value.astype(object) if node.get("object") else value
    (tag, body), = node.items()
    if tag == "tuple":
        return tuple(_decode(v, arrays) for v in body)
    if tag == "list":
        return [_decode(v, arrays) for v in body]
    if tag == "dict":
        return {_decode(k, arrays): _decode(v, arrays) for k, v in body}
    if tag == "slice":
        return slice(*(_decode(v, arrays) for v in body))
    if tag == "cca":
        return CCARotation(**{k: _decode(v, arrays) for k, v in body.items()})
    if tag == "random_state":
        rng = np.random.RandomState()
        rng.set_state(_decode(body, arrays))
        return rng
    raise TypeError(f"unknown tag {tag!r}")


def save_model(estimator, path):
    """Save an estimator to ``path`` as JSON and arrays, never with pickle.

    The file is written to a temporary file in the same directory and then
    renamed over ``path``, so a crash during the save leaves any previous file
    at ``path`` whole. Unfitted estimators are saved too (parameters only).

    Parameters
    ----------
    estimator : CorrNetTransformer
        The estimator to save, fitted or not.
    path : str or path-like
        Where to write. The name is used as given; ``.npz`` is the usual
        extension.

    Notes
    -----
    The optimizer state is saved with the weights: `partial_fit` or a
    warm-started `fit` after `load_model` continue where training stopped.

    Examples
    --------
    >>> import os, tempfile
    >>> from skcorrnet import CorrNetTransformer, save_model, load_model
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> save_model(CorrNetTransformer(n_components=3), path)
    >>> load_model(path).n_components
    3
    """
    name = type(estimator).__name__
    if _CLASSES.get(name) is not type(estimator):
        raise TypeError(
            f"save_model saves {sorted(_CLASSES)} estimators, got a {name}. Save "
            "the skcorrnet step of a pipeline, not the pipeline."
        )
    params = estimator.get_params(deep=False)
    state = {
        k: v for k, v in vars(estimator).items()
        if k not in params and k not in _TRANSIENT
    }
    encoder = _Encoder()
    header = {
        "format": _FORMAT,
        "version": FORMAT_VERSION,
        "class": name,
        "params": {k: encoder.encode(v, f"`{k}`") for k, v in params.items()},
        "state": {k: encoder.encode(v, f"`{k}`") for k, v in state.items()},
    }
    header["digests"] = {k: _digest(v) for k, v in encoder.arrays.items()}
    text = json.dumps(header)
    entries = dict(encoder.arrays)
    entries["header"] = np.array(text)
    entries["digest"] = np.array(hashlib.sha256(text.encode()).hexdigest())
    _write_atomically(os.fspath(path), entries)


def _digest(array):
    """SHA-256 of an array's dtype, shape and bytes."""
    h = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()


def _write_atomically(path, entries):
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644
    fd, tmp = tempfile.mkstemp(
        prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory
    )
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, allow_pickle=False, **entries)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read(path):
    """Header and arrays of a model file; ValueError for anything else."""
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single array, not an archive")
        with data:
            arrays = {k: data[k] for k in data.files}
        text = str(arrays.pop("header")[()])
        if str(arrays.pop("digest")[()]) != hashlib.sha256(text.encode()).hexdigest():
            raise ValueError("the digest of its header does not match")
        header = json.loads(text)
        digests = header.pop("digests")
        if set(digests) != set(arrays):
            raise ValueError("its arrays are not those its header lists")
        for name, array in arrays.items():
            if _digest(array) != digests[name]:
                raise ValueError(f"the digest of array {name!r} does not match")
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except Exception as exc:  # any failure to parse means the file is unusable
        raise ValueError(
            f"{path!r} is not a readable skcorrnet model file: it is truncated, "
            f"corrupt or of another format ({type(exc).__name__}: {exc}). Save "
            "the model again with skcorrnet.save_model."
        ) from exc
    return header, arrays


def _check_weights(model, path):
    """Refuse a file whose weights do not fit the network its parameters build."""
    if not hasattr(model, "_params"):
        return
    try:
        n_x, n_y = model.n_features_views_
        expected = _forward.param_shapes(
            n_x, n_y, model.n_components, tuple(model.hidden_layer_sizes),
            model.tied_weights,
        )
        matches = {k: np.shape(v) for k, v in model._params.items()} == dict(expected)
    except Exception:  # a missing or malformed attribute: the same verdict
        matches = False
    if not matches:
        raise ValueError(
            f"{path!r} holds weights whose names or shapes do not match the "
            "network its parameters describe; the file is corrupt."
        )
    for name, value in model._params.items():
        if value.dtype.kind != "f" or not np.isfinite(value).all():
            raise ValueError(
                f"{path!r} holds weight {name!r} with non-finite or non-float "
                "values; the file is corrupt."
            )


def load_model(path):
    """Load an estimator saved by `save_model`.

    Reading never unpickles or runs code from the file. A truncated, corrupt
    or foreign file, or one written by a later skcorrnet format, is refused
    with a ValueError.

    Parameters
    ----------
    path : str or path-like
        A file written by `save_model`.

    Returns
    -------
    estimator : CorrNetTransformer
        Fitted when it was saved fitted; its `transform` gives the codes the
        saved estimator gave.
    """
    path = os.fspath(path)
    header, arrays = _read(path)
    if header.get("format") != _FORMAT:
        raise ValueError(
            f"{path!r} is an .npz archive but not a skcorrnet model file (its "
            f"format is {header.get('format')!r}). Load it with numpy instead."
        )
    version = header.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path!r} has model format version {version!r}, but this skcorrnet "
            f"reads versions up to {FORMAT_VERSION}. Upgrade skcorrnet to load it."
        )
    cls = _CLASSES.get(header.get("class"))
    if cls is None:
        raise ValueError(
            f"{path!r} holds a {header.get('class')!r}, which is not a skcorrnet "
            f"estimator ({sorted(_CLASSES)})."
        )
    try:
        params = {k: _decode(v, arrays) for k, v in header["params"].items()}
        state = {k: _decode(v, arrays) for k, v in header["state"].items()}
        model = cls()
        model.set_params(**params)
        model._validate_params()
    except Exception as exc:
        raise ValueError(
            f"{path!r} has a damaged header ({type(exc).__name__}: {exc}); the file "
            "is corrupt. Save the model again with skcorrnet.save_model."
        ) from exc
    for key, value in state.items():
        setattr(model, key, value)
    _check_weights(model, path)
    return model
