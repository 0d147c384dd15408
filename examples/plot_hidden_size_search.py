"""
=====================================================
Choosing the hidden size by held-out correlation
=====================================================

`~sklearn.model_selection.GridSearchCV` can tune a CorrNet like any other
estimator. Its default score, `~skcorrnet.CorrNetTransformer.score`, is the
total held-out canonical correlation, which sums one value per component:
a model with more hidden units has more terms in the sum, and would win for
that reason alone. `skcorrnet.metrics.make_correlation_scorer` sums only the
first ``k`` components, so that models of different sizes are compared on
the same footing.
"""

# %%
# Grid search over the hidden size
# --------------------------------
# Three-fold cross-validation over four hidden sizes, scored two ways: the
# sum of the top 5 held-out correlations (used to pick the model) and the sum
# of all of them.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, train_test_split

from skcorrnet import CorrNetTransformer
from skcorrnet.datasets import load_digits_halves
from skcorrnet.metrics import make_correlation_scorer

left, right, _ = load_digits_halves(return_X_y=True)
left_train, left_test, right_train, right_test = train_test_split(
    left, right, test_size=0.3, random_state=0
)

search = GridSearchCV(
    CorrNetTransformer(max_iter=40, random_state=0),
    param_grid={"n_components": [5, 10, 20, 40]},
    scoring={"top5": make_correlation_scorer(5), "all": make_correlation_scorer()},
    refit="top5",
    cv=3,
)
search.fit(left_train, right_train)
print("best hidden size:", search.best_params_["n_components"])
top5 = make_correlation_scorer(5)(search.best_estimator_, left_test, right_test)
print(f"its top-5 score on the test digits: {top5:.2f}")

# %%
# The two scores against the hidden size
# --------------------------------------
# The sum over all components keeps climbing with the hidden size, because
# every extra component adds a term. The top-5 sum measures how well the
# strongest shared directions are found, which is what the search should
# compare.
sizes = np.array(search.cv_results_["param_n_components"], dtype=int)
fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
for ax, key, title in [
    (axes[0], "top5", "sum of the top 5 correlations"),
    (axes[1], "all", "sum of all correlations"),
]:
    ax.errorbar(
        sizes,
        search.cv_results_[f"mean_test_{key}"],
        yerr=search.cv_results_[f"std_test_{key}"],
        marker="o",
        capsize=3,
    )
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, [str(s) for s in sizes])
    ax.set_xlabel("n_components (hidden units)")
    ax.set_ylabel("held-out score (3-fold mean)")
    ax.set_title(title)
plt.show()

# %%
# A rule of thumb from the user guide (:ref:`batch_and_hidden_size`): the
# correlation term is estimated on each batch of ``batch_size`` rows (100
# here), so keep the hidden size well below the batch size.
