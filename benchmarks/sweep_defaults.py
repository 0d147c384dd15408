"""Evidence for the default hyperparameters: a small grid on digits halves.

Prints, for each setting, held-out top-10 canonical correlation, transfer
accuracy in both directions, the error of predicting the right half from the
left, and fit seconds, on the 70/30 split the main job uses, with linear CCA
first for reference. Every other parameter keeps its default.

    python benchmarks/sweep_defaults.py                      # pixels in [0, 1]
    python benchmarks/sweep_defaults.py --standardise        # z-scored halves
    python benchmarks/sweep_defaults.py --grid correlation_weight,learning_rate \\
        --fixed activation=relu

The defaults were read off the first two commands (default grid: activation x
correlation_weight x learning_rate); the estimator's docstring quotes them and
`benchmarks/README.md` holds the latest tables.
"""

import argparse
import itertools

from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skcorrnet import CorrNetTransformer
from skcorrnet._compare import evaluate, format_table
from skcorrnet.datasets import load_digits_halves

GRID = {
    "activation": ["sigmoid", "tanh", "relu"],
    "correlation_weight": [0.0, 0.5, 2.0, 8.0],
    "learning_rate": [1e-3, 3e-3, 1e-2],
    "batch_size": [50, 100, 200],
    "n_components": [20, 50, 100],
}


def _value(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main():
    parser = argparse.ArgumentParser(
        description="Grid of CorrNet settings on digits halves, against linear CCA."
    )
    parser.add_argument("--grid", default="activation,correlation_weight,learning_rate",
                        help=f"comma-separated parameters to vary, from {list(GRID)}")
    parser.add_argument("--fixed", default="",
                        help="comma-separated name=value settings kept fixed")
    parser.add_argument("--standardise", action="store_true",
                        help="z-score each half with statistics of the training rows")
    args = parser.parse_args()

    left, right, target = load_digits_halves(return_X_y=True)
    xl, xt, yl, yt, tl, tt = train_test_split(
        left, right, target, test_size=0.3, random_state=0
    )
    if args.standardise:
        sx, sy = StandardScaler().fit(xl), StandardScaler().fit(yl)
        xl, xt = sx.transform(xl), sx.transform(xt)
        yl, yt = sy.transform(yl), sy.transform(yt)
    pairs = (item.split("=") for item in args.fixed.split(",") if item)
    fixed = {name: _value(value) for name, value in pairs}
    names = args.grid.split(",")
    models = []
    for values in itertools.product(*(GRID[n] for n in names)):
        params = dict(zip(names, values))
        label = " ".join(f"{k}={v}" for k, v in params.items())
        models.append((label, CorrNetTransformer(random_state=0, **fixed, **params)))
    print("halves:", "standardised" if args.standardise else "pixels in [0, 1]")
    print(format_table(evaluate(models, xl, yl, xt, yt, (tl, tt))), flush=True)


if __name__ == "__main__":
    main()
