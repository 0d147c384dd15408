"""
===============================
Transfer learning across views
===============================

Suppose the labels are known only for samples seen through view 0, and new
samples arrive seen only through view 1. If both views are mapped into one
shared space, a classifier trained on view-0 codes can classify view-1 codes.
This is the transfer test of the CorrNet paper: a logistic regression is
trained on the codes of the left halves of the training digits, and scored on
the codes of the right halves of the test digits (and the reverse).
"""

# %%
# Codes of each half taken alone
# -------------------------------
# `~skcorrnet.CorrNetTransformer.transform_view` encodes one view with the
# other zeroed. With the default ``projection="cca"`` the codes of both views
# are expressed in the coordinates of the CCA rotation learned at fit time,
# which aligns them.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.cross_decomposition import CCA
from sklearn.model_selection import train_test_split

from skcorrnet import CorrNetTransformer
from skcorrnet.datasets import load_digits_halves
from skcorrnet.metrics import transfer_accuracy

left, right, digit = load_digits_halves(return_X_y=True)
(left_train, left_test, right_train, right_test,
 digit_train, digit_test) = train_test_split(
    left, right, digit, test_size=0.3, random_state=0, stratify=digit
)
corrnet = CorrNetTransformer(random_state=0)  # the defaults: 50 units
corrnet.fit(left_train, right_train)


def both_directions(codes_left_train, codes_right_train, codes_left_test,
                    codes_right_test):
    """Transfer accuracy left -> right and right -> left."""
    return (
        transfer_accuracy(codes_left_train, digit_train, codes_right_test, digit_test),
        transfer_accuracy(codes_right_train, digit_train, codes_left_test, digit_test),
    )


results = {}
results["CorrNet"] = both_directions(
    corrnet.transform_view(left_train, 0), corrnet.transform_view(right_train, 1),
    corrnet.transform_view(left_test, 0), corrnet.transform_view(right_test, 1),
)

# %%
# Two baselines
# -------------
# Linear CCA with 10 components gives each view its own scores in a shared
# space. The same CorrNet returning raw hidden units (``projection="none"``)
# shows why the codes are projected: each unit of the two single-view codes
# correlates across views, but with different offsets and scales, which a
# classifier trained on one view does not expect.
cca = CCA(n_components=10, max_iter=2000).fit(left_train, right_train)
results["linear CCA"] = both_directions(
    *cca.transform(left_train, right_train), *cca.transform(left_test, right_test)
)
raw = clone(corrnet).set_params(projection="none").fit(left_train, right_train)
results["CorrNet, raw units"] = both_directions(
    raw.transform_view(left_train, 0), raw.transform_view(right_train, 1),
    raw.transform_view(left_test, 0), raw.transform_view(right_test, 1),
)

for name, (l2r, r2l) in results.items():
    print(f"{name:>19}: left -> right {l2r:.3f}, right -> left {r2l:.3f}")

# %%
# For reference, the accuracy without transfer: trained and tested on the
# same view's codes.
same_view = transfer_accuracy(
    corrnet.transform_view(left_train, 0), digit_train,
    corrnet.transform_view(left_test, 0), digit_test,
)
print(f"CorrNet, left -> left: {same_view:.3f}")

# %%
# Side by side
# ------------
names = list(results)
accuracy = np.array([results[name] for name in names])
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
x = np.arange(len(names))
ax.bar(x - 0.2, accuracy[:, 0], 0.4, label="left -> right")
ax.bar(x + 0.2, accuracy[:, 1], 0.4, label="right -> left")
ax.axhline(same_view, color="black", linestyle=":", label="CorrNet, left -> left")
ax.set_xticks(x, names)
ax.set_ylabel("test accuracy")
ax.set_ylim(0, 1.1)
ax.set_title("Digit classifier trained on one half, tested on the other")
ax.legend(fontsize="small", loc="upper center", ncols=3)
plt.show()

# %%
# Projecting the codes with the fit-time CCA rotation is what makes transfer
# work: the raw units lose much of the accuracy, most of all from right to
# left. With the projection, the CorrNet transfers better than linear CCA in
# both directions (about 0.78 and 0.74 against 0.73 and 0.67 on this split)
# and comes within a few points of a classifier trained and tested on the
# same half. A short fit with fewer units does not get there: with
# ``n_components=20, max_iter=60`` linear CCA still transfers as well or
# better, although the CorrNet's codes already correlate more across views.
