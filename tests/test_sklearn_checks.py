"""scikit-learn's estimator checks, run on small, fast configurations."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skcorrnet import CorrNetTransformer


def _fast(**params):
    # few units and epochs: the checks test the API, not the quality of a fit
    return CorrNetTransformer(n_components=3, max_iter=3, random_state=0, **params)


@parametrize_with_checks([_fast(), _fast(views=1)])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
