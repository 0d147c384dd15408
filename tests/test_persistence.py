"""save_model / load_model: exact round trips, atomic writes, refusal of bad files."""

import hashlib
import json
import os
import pickle
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

from skcorrnet import CorrNetTransformer, load_model, save_model
from skcorrnet._persistence import FORMAT_VERSION, _digest


def _rewrite(path, change):
    """Rewrite a saved model after ``change(header, arrays)`` edits its content."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(str(arrays.pop("header")))
    arrays.pop("digest")
    change(header, arrays)
    header["digests"] = {k: _digest(v) for k, v in arrays.items()}
    text = json.dumps(header)
    digest = np.array(hashlib.sha256(text.encode()).hexdigest())
    np.savez(path, header=np.array(text), digest=digest, **arrays)


@pytest.fixture
def saved(fitted, tmp_path):
    """The shared fitted model, saved to a file."""
    path = tmp_path / "model.npz"
    save_model(fitted, path)
    return path


def test_round_trip_gives_identical_outputs(fitted, two_views, saved):
    """A loaded model transforms, predicts, decodes and scores bit for bit alike."""
    x, y = two_views
    loaded = load_model(saved)
    assert type(loaded) is CorrNetTransformer
    assert loaded.get_params() == fitted.get_params()
    for method, args in [
        ("transform", (x, y)),
        ("transform", (x,)),
        ("transform_view", (y, 1)),
        ("predict_view", (x, 0)),
        ("canonical_correlations", (x, y)),
    ]:
        assert_array_equal(
            getattr(loaded, method)(*args), getattr(fitted, method)(*args)
        )
    codes = fitted.transform(x, y)
    assert_array_equal(loaded.inverse_transform(codes), fitted.inverse_transform(codes))
    assert loaded.score(x, y) == fitted.score(x, y)
    assert loaded.history_ == fitted.history_
    assert loaded.n_iter_ == fitted.n_iter_
    assert loaded.n_features_in_ == fitted.n_features_in_
    assert_array_equal(loaded.canonical_correlations_, fitted.canonical_correlations_)


def test_file_is_plain_json_and_arrays(saved):
    """Every entry loads with allow_pickle=False; the header is JSON with a version."""
    with np.load(saved, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    assert all(a.dtype.kind != "O" for a in arrays.values())
    header = json.loads(str(arrays["header"]))
    assert header["format"] == "skcorrnet-model"
    assert header["version"] == FORMAT_VERSION
    assert header["params"]["n_components"] == 4


def test_round_trip_of_a_dataframe_model_with_views(two_views, tmp_path):
    """Named views, feature names and pandas output survive a round trip."""
    x, y = two_views
    cols = [f"f{i}" for i in range(14)]
    frame = pd.DataFrame(np.hstack([x, y]), columns=cols)
    model = CorrNetTransformer(
        n_components=2, max_iter=2, views=(cols[:8], slice(8, None)), random_state=0
    ).set_output(transform="pandas")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(frame)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.views == model.views
    assert_array_equal(loaded.feature_names_in_, model.feature_names_in_)
    assert loaded.feature_names_in_.dtype == object
    pd.testing.assert_frame_equal(loaded.transform(frame), model.transform(frame))
    assert_array_equal(loaded.transform_view(frame, 1), model.transform_view(frame, 1))
    assert_array_equal(loaded.inverse_transform(model.transform(frame).to_numpy()),
                       model.inverse_transform(model.transform(frame).to_numpy()))


def test_unfitted_estimator_round_trips_its_parameters(tmp_path):
    """An unfitted estimator saves its parameters, even a RandomState, and no state."""
    rng = np.random.RandomState(3)
    model = CorrNetTransformer(
        n_components=7, hidden_layer_sizes=(5, 4), views=([0, 2], slice(3, 6)),
        random_state=rng, learning_rate=0.01,
    )
    save_model(model, str(tmp_path / "unfitted.npz"))
    loaded = load_model(str(tmp_path / "unfitted.npz"))
    params = loaded.get_params()
    assert params.pop("random_state").randint(1000) == rng.randint(1000)
    expected = model.get_params()
    expected.pop("random_state")
    assert params == expected
    with pytest.raises(NotFittedError):
        check_is_fitted(loaded)


def test_loaded_model_keeps_training(fitted, two_views, saved):
    """partial_fit on a loaded model continues from the saved weights."""
    x, y = two_views
    loaded = load_model(saved)
    loaded.partial_fit(x, y)
    assert loaded.n_iter_ == fitted.n_iter_ + 1
    assert np.isfinite(loaded.transform(x, y)).all()


def test_failed_save_keeps_the_previous_file(fitted, saved, monkeypatch):
    """A crash while writing leaves the old file whole and no temporary behind."""
    before = saved.read_bytes()

    def crash(fh, **entries):
        fh.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", crash)
    with pytest.raises(OSError, match="disk full"):
        save_model(fitted, saved)
    assert saved.read_bytes() == before
    assert os.listdir(saved.parent) == [saved.name]
    monkeypatch.undo()
    load_model(saved)


def test_save_overwrites_atomically(fitted, saved):
    """Saving over an existing file replaces it with the new model."""
    unfitted = CorrNetTransformer(n_components=9)
    save_model(unfitted, saved)
    assert load_model(saved).n_components == 9
    assert os.listdir(saved.parent) == [saved.name]


def test_state_that_needs_pickle_is_refused_at_save(fitted, tmp_path):
    """An attribute of an unsupported type raises TypeError naming it; no file."""
    model = load_model(_saved_copy(fitted, tmp_path))
    model.extra_ = object()
    with pytest.raises(TypeError, match="`extra_` is a object.*without pickle"):
        save_model(model, tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()
    with pytest.raises(TypeError, match="save_model saves.*got a list"):
        save_model([fitted], tmp_path / "bad.npz")


def _saved_copy(model, tmp_path):
    path = tmp_path / "copy.npz"
    save_model(model, path)
    return path


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip_middle(path):
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 16] = bytes(b ^ 0xFF for b in data[mid : mid + 16])
    path.write_bytes(bytes(data))


def _foreign_npz(path):
    np.savez(path, weights=np.ones(3))


def _text(path):
    path.write_text("n_components: 4\n")


def _npy(path):
    with open(path, "wb") as fh:
        np.save(fh, np.ones(3))


def _object_array(path):
    np.savez(path, header=np.array([{"a": 1}], dtype=object))


def _newer_version(path):
    _rewrite(path, lambda header, arrays: header.update(version=FORMAT_VERSION + 1))


def _foreign_format(path):
    _rewrite(path, lambda header, arrays: header.update(format="other"))


def _unknown_class(path):
    _rewrite(path, lambda header, arrays: header.update({"class": "os.system"}))


def _bad_parameter(path):
    _rewrite(path, lambda header, arrays: header["params"].update(activation="rm"))


def _wrong_weight_shape(path):
    def change(header, arrays):
        for key in arrays:
            if arrays[key].ndim == 2:
                arrays[key] = arrays[key][:, :1]

    _rewrite(path, change)


def _missing_array(path):
    def change(header, arrays):
        arrays.pop(sorted(arrays)[0])

    _rewrite(path, change)


def _edited_weights(path):
    """Weights changed without updating their digest, as a bit flip would."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["a0"] = arrays["a0"] + 1.0
    np.savez(path, **arrays)


def _edited_header(path):
    """A header changed without updating its digest."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["header"] = np.array(str(arrays["header"]).replace('"n_components": 4',
                                                              '"n_components": 5'))
    np.savez(path, **arrays)


@pytest.mark.parametrize(
    "damage, match",
    [
        (_truncate, "truncated, corrupt or of another format"),
        (_flip_middle, "truncated, corrupt or of another format"),
        (_foreign_npz, "truncated, corrupt or of another format"),
        (_text, "truncated, corrupt or of another format"),
        (_npy, "single array"),
        (_object_array, "truncated, corrupt or of another format"),
        (_newer_version, "Upgrade skcorrnet"),
        (_foreign_format, "not a skcorrnet model file"),
        (_unknown_class, "not a skcorrnet estimator"),
        (_bad_parameter, "damaged header"),
        (_wrong_weight_shape, "do not match"),
        (_missing_array, "damaged header"),
        (_edited_weights, "digest of array 'a0' does not match"),
        (_edited_header, "digest of its header does not match"),
    ],
)
def test_damaged_or_foreign_files_are_refused(saved, damage, match):
    """Truncated, corrupt, foreign or newer files raise ValueError, never load."""
    damage(saved)
    with pytest.raises(ValueError, match=match):
        load_model(saved)


class _Trap:
    """Unpickling it would create a file: proof that loading ran code."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_pickle_files_are_refused_without_running_code(tmp_path):
    """A pickle holding a code-running payload is refused and its code never runs."""
    marker = tmp_path / "ran"
    path = tmp_path / "model.npz"
    path.write_bytes(pickle.dumps(_Trap(str(marker))))
    with pytest.raises(ValueError, match="not a readable skcorrnet model"):
        load_model(path)
    with zipfile.ZipFile(tmp_path / "zipped.npz", "w") as zf:
        zf.writestr("header.npy", pickle.dumps(_Trap(str(marker))))
    with pytest.raises(ValueError, match="not a readable skcorrnet model"):
        load_model(tmp_path / "zipped.npz")
    assert not marker.exists()


def test_missing_file_raises_file_not_found(tmp_path):
    """A path with no file raises FileNotFoundError, not a format error."""
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "absent.npz")
