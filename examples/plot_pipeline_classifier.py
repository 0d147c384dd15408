"""
==========================================
A pipeline with ``views`` and a classifier
==========================================

In a `~sklearn.pipeline.Pipeline` whose ``y`` is a class label, the two views
cannot come as ``fit(X, y)``. Instead both views are columns of one matrix
``X``, and the ``views`` parameter says which columns form each view. The
CorrNet then ignores ``y`` in ``fit``, and the pipeline passes it on to the
classifier. Here the 64 pixels of a digit are its two halves side by side,
and a logistic regression classifies the digits from their joint codes.
"""

# %%
# One matrix with both views
# --------------------------
# ``views=32``: the first 32 columns are view 0 (the left half), the rest
# view 1. A `~sklearn.preprocessing.StandardScaler` before the CorrNet keeps
# the columns in place, so ``views`` still applies after it.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcorrnet import CorrNetTransformer
from skcorrnet.datasets import load_digits_halves

left, right, digit = load_digits_halves(return_X_y=True)
both = np.hstack([left, right])
X_train, X_test, digit_train, digit_test = train_test_split(
    both, digit, test_size=0.3, random_state=0, stratify=digit
)

pipe = make_pipeline(
    StandardScaler(),
    CorrNetTransformer(n_components=20, views=32, max_iter=40, random_state=0),
    LogisticRegression(max_iter=2000),
)
pipe.fit(X_train, digit_train)
print(f"pipeline accuracy on the test digits: {pipe.score(X_test, digit_test):.3f}")

# %%
# Against the classifier alone
# ----------------------------
# The same logistic regression on the 64 standardised pixels. The CorrNet
# keeps 20 numbers per digit, learned without the labels; what the
# classifier can do with them shows how much of the digit's identity the
# shared code holds.
pixels_only = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
pixels_only.fit(X_train, digit_train)
print(f"logistic regression on the pixels: {pixels_only.score(X_test, digit_test):.3f}")

# %%
# The 20 codes, learned without the labels, keep most but not all of what the
# classifier needs: the pipeline trails the classifier on all 64 pixels by a
# few points. The CorrNet is there to find what the two halves share, not the
# features that separate the digits best.
#
# Where the pipeline errs
# -----------------------
# Most confusions are among digits whose halves look alike, such as 3, 8
# and 9.
fig, ax = plt.subplots(figsize=(5.5, 5), layout="constrained")
ConfusionMatrixDisplay.from_estimator(
    pipe, X_test, digit_test, ax=ax, colorbar=False
)
ax.set_title("CorrNet codes + logistic regression")
plt.show()

# %%
# The fitted steps stay reachable: the CorrNet of the pipeline can still
# encode one view alone, or score the shared space on the test rows.
corrnet = pipe.named_steps["corrnettransformer"]
scaled_test = pipe.named_steps["standardscaler"].transform(X_test)
print("codes of the left halves:", corrnet.transform_view(scaled_test, 0).shape)
print(f"held-out total canonical correlation: {corrnet.score(scaled_test):.2f}")
