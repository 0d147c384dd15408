"""skcorrnet: Correlational Neural Networks as scikit-learn estimators.

Importing the package does not import TensorFlow: the network is built, and
TensorFlow loaded, only when a model is trained.
"""

from ._estimator import CorrNetTransformer

__all__ = ["CorrNetTransformer", "__version__"]

__version__ = "0.1.0"
