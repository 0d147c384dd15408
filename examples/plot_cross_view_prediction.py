"""
===================================
Predicting one half from the other
===================================

A CorrNet learns to rebuild both views from the code of one view alone, so
`~skcorrnet.CorrNetTransformer.predict_view` can draw the right half of a
digit from its left half, and the reverse. This example shows such
predictions for a few held-out digits and compares their error with two
baselines: the mean training half, and the linear prediction of
`~sklearn.cross_decomposition.CCA`.
"""

# %%
# Fit one CorrNet on the training halves
# --------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.cross_decomposition import CCA
from sklearn.model_selection import train_test_split

from skcorrnet import CorrNetTransformer
from skcorrnet.datasets import load_digits_halves
from skcorrnet.plotting import plot_view_predictions

data = load_digits_halves()
left_train, left_test, right_train, right_test = train_test_split(
    data.left, data.right, test_size=0.3, random_state=0
)
model = CorrNetTransformer(n_components=20, max_iter=60, random_state=0)
model.fit(left_train, right_train)
print(f"trained for {model.n_iter_} epochs")

# %%
# The right half from the left half
# ---------------------------------
# Top row: the left half that is given; middle row: the true right half;
# bottom row: the right half predicted from the left half alone.
fig, axes = plot_view_predictions(
    model, left_test[:10], right_test[:10], image_shape=data.image_shape, view=0
)
fig.suptitle("Right halves predicted from left halves")
plt.show()

# %%
# The left half from the right half
# ---------------------------------
# ``view=1`` says that the given array is view 1 (the right halves).
fig, axes = plot_view_predictions(
    model, right_test[:10], left_test[:10], image_shape=data.image_shape, view=1
)
fig.suptitle("Left halves predicted from right halves")
plt.show()

# %%
# How good are the predictions?
# -----------------------------
# Mean squared error per pixel on all test digits (pixels are in [0, 1]).
# CCA predicts the right half from the left one by linear regression through
# its 10 components.
cca = CCA(n_components=10, max_iter=2000).fit(left_train, right_train)
errors = {
    "mean training half": np.mean((right_train.mean(axis=0) - right_test) ** 2),
    "linear CCA (10 components)": np.mean((cca.predict(left_test) - right_test) ** 2),
    "CorrNet": np.mean((model.predict_view(left_test, view=0) - right_test) ** 2),
}
for name, err in errors.items():
    print(f"{name:>27}: {err:.4f}")

# %%
# The CorrNet's error is the lowest of the three, though not by far: at this
# resolution the two halves are related almost linearly, which leaves a
# nonlinear decoder little to add over CCA. The predictions are blurred where
# the given half leaves the digit ambiguous (a left half shared by a 3 and
# an 8, say): under squared error the best guess is the average of the
# plausible right halves.
