"""Resolution of the `views` parameter into two lists of column indices."""

import numbers

import numpy as np

__all__ = ["resolve_views"]


def _columns(spec, n_features, names, which):
    """Integer indices of one view's columns from an index, slice, mask or names."""
    where = f"`views[{which}]`"
    if isinstance(spec, slice):
        return np.arange(n_features)[spec]
    if isinstance(spec, (str, numbers.Integral)):
        spec = [spec]
    arr = np.asarray(spec)
    if arr.size == 0:
        return np.array([], dtype=np.intp)  # refused by the caller, by name
    if arr.ndim != 1:
        raise ValueError(f"{where} must be 1-D, got an array of shape {arr.shape}.")
    if arr.dtype == bool:
        if arr.shape[0] != n_features:
            raise ValueError(
                f"{where} is a boolean mask of length {arr.shape[0]}, but X has "
                f"{n_features} columns. Give one entry per column."
            )
        return np.flatnonzero(arr)
    if arr.dtype.kind in "OUS":
        if names is None:
            raise ValueError(
                f"{where} names columns ({list(arr[:3])}...), but X has no column "
                "names. Pass a pandas DataFrame, or select columns by position."
            )
        lookup = {name: i for i, name in enumerate(names)}
        missing = [c for c in arr.tolist() if c not in lookup]
        if missing:
            raise ValueError(
                f"{where} names columns that X does not have: {missing}. "
                f"Available columns start with {list(names[:5])}."
            )
        return np.array([lookup[c] for c in arr], dtype=np.intp)
    if arr.dtype.kind not in "iu":
        raise ValueError(
            f"{where} must hold column indices, a slice, a boolean mask or column "
            f"names, got values of dtype {arr.dtype}."
        )
    bad = arr[(arr < -n_features) | (arr >= n_features)]
    if bad.size:
        raise ValueError(
            f"{where} has column indices {bad.tolist()} out of range for X with "
            f"{n_features} columns."
        )
    return np.asarray(arr % n_features, dtype=np.intp)


def resolve_views(views, n_features, names=None):
    """Turn a `views` spec into ``(indices_of_view0, indices_of_view1)``.

    ``views`` is an int ``k`` (first ``k`` columns, then the rest) or a pair
    of column selections. Each view must be non-empty and the two must not
    share a column.
    """
    if isinstance(views, numbers.Integral) and not isinstance(views, bool):
        if not 1 <= views < n_features:
            fix = (
                f"give an int between 1 and {n_features - 1}"
                if n_features > 1
                else "two views need at least 2 columns"
            )
            raise ValueError(
                f"`views={views}` puts the first {views} columns in view 0, but X "
                f"has {n_features} feature(s), so view 1 would be empty: {fix}."
            )
        return np.arange(views), np.arange(views, n_features)
    if not isinstance(views, (tuple, list)) or len(views) != 2:
        raise ValueError(
            "`views` must be an int k (the first k columns are view 0) or a pair "
            f"(columns_of_view0, columns_of_view1), got {views!r}."
        )
    idx = [_columns(spec, n_features, names, i) for i, spec in enumerate(views)]
    for i in (0, 1):
        if idx[i].size == 0:
            raise ValueError(f"`views[{i}]` selects no column; each view needs one.")
        if np.unique(idx[i]).size != idx[i].size:
            raise ValueError(f"`views[{i}]` selects a column more than once.")
    shared = np.intersect1d(idx[0], idx[1])
    if shared.size:
        raise ValueError(
            f"The two views overlap on columns {shared.tolist()}: each column may "
            "belong to one view only."
        )
    return idx[0], idx[1]
