"""The main job: CorrNet against linear CCA on real two-view data.

    python -m skcorrnet [--components K] [--top T] [--epochs N] [--seed S]
                        [--views A.npy B.npy [--labels L.npy]] [--standardise]
                        [--plot FILE]

Without files it uses the left and right halves of scikit-learn's bundled
digits. It fits linear CCA, CorrNet and CorrNet without its correlation term
(``correlation_weight=0``) on one 70/30 split and prints one table: held-out
total canonical correlation of the top components, transfer accuracy in both
directions (when labels are known), cross-view prediction error and fit time.
"""

import argparse
import os
import sys

# TensorFlow's start-up chatter would bury the table; a user's own setting wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from . import CorrNetTransformer
from ._compare import evaluate, format_table
from .datasets import load_digits_halves


def _load(path):
    """A 2-D float array from a .npy or .csv file, or a clean exit."""
    if not path.endswith((".npy", ".csv")):
        raise SystemExit(f"error: {path!r} is neither a .npy nor a .csv file")
    try:
        if path.endswith(".npy"):
            data = np.load(path, allow_pickle=False)
        else:
            data = np.loadtxt(path, delimiter=",", ndmin=2)
    except (OSError, ValueError) as exc:
        raise SystemExit(f"error: cannot read {path!r}: {exc}") from None
    return data


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m skcorrnet",
        description="Compare CorrNet with linear CCA on two views of real data.",
    )
    parser.add_argument("--components", type=_positive_int, default=50,
                        help="CorrNet hidden units (default: 50)")
    parser.add_argument("--top", type=_positive_int, default=10,
                        help="components summed in the correlation column and "
                             "kept by linear CCA (default: 10)")
    parser.add_argument("--epochs", type=_positive_int, default=None,
                        help="maximum epochs (default: the estimator's max_iter)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--views", nargs=2, metavar=("VIEW0", "VIEW1"),
                        help="two .npy or .csv files with the same number of rows, "
                             "used instead of the digits halves")
    parser.add_argument("--labels", metavar="FILE",
                        help="class labels of the rows of --views, for the "
                             "transfer-accuracy columns")
    parser.add_argument("--standardise", action="store_true",
                        help="z-score each view with the statistics of its "
                             "training rows before fitting (advised for data "
                             "whose columns have different scales)")
    parser.add_argument("--plot", metavar="FILE",
                        help="save a figure of view 0, true view 1 and CorrNet's "
                             "prediction of view 1 (image-like digits only)")
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse(argv)
    if args.plot:
        if args.views:
            raise SystemExit("error: --plot draws digit halves; it cannot draw --views")
        from .plotting import _pyplot

        try:
            _pyplot()
        except ImportError as exc:
            raise SystemExit(f"error: {exc}") from None
    if args.views:
        x, y = (_load(p) for p in args.views)
        labels = _load(args.labels).ravel() if args.labels else None
        source = f"{args.views[0]} and {args.views[1]}"
    else:
        data = load_digits_halves()
        x, y, labels = data.left, data.right, data.target
        source = "digits halves (left 8x4 and right 8x4 pixels)"
    x, y = (v.reshape(len(v), -1) for v in (x, y))
    if len(x) != len(y):
        raise SystemExit(
            f"error: the two views have {len(x)} and {len(y)} rows; they must match"
        )
    if labels is not None and len(labels) != len(x):
        raise SystemExit(
            f"error: --labels has {len(labels)} values for {len(x)} rows; give one "
            "label per row"
        )
    narrow = min(x.shape[1], y.shape[1])
    if args.top > narrow:
        print(f"note: --top lowered from {args.top} to {narrow}, the width of the "
              "narrower view")
        args.top = narrow
    parts = train_test_split(
        x, y, *([labels] if labels is not None else []),
        test_size=0.3, random_state=args.seed,
    )
    x_tr, x_te, y_tr, y_te = parts[:4]
    lab = (parts[4], parts[5]) if labels is not None else (None, None)
    if args.standardise:
        sx, sy = StandardScaler().fit(x_tr), StandardScaler().fit(y_tr)
        x_tr, x_te = sx.transform(x_tr), sx.transform(x_te)
        y_tr, y_te = sy.transform(y_tr), sy.transform(y_te)
        source += ", standardised"

    extra = {} if args.epochs is None else {"max_iter": args.epochs}
    corrnet = CorrNetTransformer(args.components, random_state=args.seed, **extra)
    ablation = CorrNetTransformer(
        args.components, correlation_weight=0.0, random_state=args.seed, **extra
    )
    print(f"data: {source}; {len(x_tr)} training rows, {len(x_te)} test rows",
          flush=True)
    rows = evaluate(
        [
            (f"CorrNet (k={args.components})", corrnet),
            (f"CorrNet, lambda=0 (k={args.components})", ablation),
        ],
        x_tr, y_tr, x_te, y_te, lab, top=args.top,
    )
    print(format_table(rows))
    legend = [
        f"top{args.top}_corr: held-out sum of the top {args.top} canonical "
        "correlations"
    ]
    if labels is not None:
        legend.append(
            "acc_0to1 / acc_1to0: logistic regression trained on one view's "
            "training codes, scored on the other view's test codes"
        )
    legend.append("pred_mse: mean squared error of predicting view 1 from view 0")
    legend.append(
        "fit_s: seconds (the first CorrNet row includes building its "
        "TensorFlow graph, which the second reuses)"
    )
    print("\n" + "; ".join(legend) + ".")
    if args.plot:
        from .plotting import plot_view_predictions

        fig, _ = plot_view_predictions(
            corrnet, x_te[:8], y_te[:8], image_shape=data.image_shape
        )
        fig.savefig(args.plot, dpi=120)
        print(f"figure saved to {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
