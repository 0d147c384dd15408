"""The quality numbers on digits halves, against linear CCA on the same split."""

import pytest
from sklearn.model_selection import train_test_split

from skcorrnet import CorrNetTransformer
from skcorrnet._compare import evaluate_cca, evaluate_corrnet
from skcorrnet.datasets import load_digits_halves


@pytest.fixture(scope="module")
def digits_split():
    left, right, target = load_digits_halves(return_X_y=True)
    return train_test_split(left, right, target, test_size=0.3, random_state=0)


@pytest.fixture(scope="module")
def cca_row(digits_split):
    xl, xt, yl, yt, tl, tt = digits_split
    return evaluate_cca(xl, yl, xt, yt, (tl, tt), top=10)


@pytest.fixture(scope="module")
def corrnet_row(digits_split):
    xl, xt, yl, yt, tl, tt = digits_split
    model = CorrNetTransformer(random_state=0)
    return evaluate_corrnet(model, xl, yl, xt, yt, (tl, tt), top=10)


@pytest.mark.slow
def test_heldout_correlation_beats_linear_cca(cca_row, corrnet_row):
    """Default CorrNet: held-out top-10 correlation >= 1.2x linear CCA's."""
    assert corrnet_row["top10_corr"] >= 1.2 * cca_row["top10_corr"], (
        corrnet_row,
        cca_row,
    )


@pytest.mark.slow
def test_transfer_accuracy_beats_linear_cca(cca_row, corrnet_row):
    """Transfer accuracy of transform_view codes >= CCA's + 5 points (mean of
    the two directions)."""

    def mean_acc(row):
        return (row["acc_0to1"] + row["acc_1to0"]) / 2

    assert mean_acc(corrnet_row) >= mean_acc(cca_row) + 0.05, (corrnet_row, cca_row)


@pytest.mark.slow
def test_predicting_a_half_beats_linear_cca(cca_row, corrnet_row):
    """Predicting the right half from the left errs less than CCA's predict."""
    assert corrnet_row["pred_mse"] < cca_row["pred_mse"]
