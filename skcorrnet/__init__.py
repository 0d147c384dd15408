"""skcorrnet: Correlational Neural Networks as scikit-learn estimators.

Importing the package does not import TensorFlow: the network is built, and
TensorFlow loaded, only when a model is trained.
"""

from ._estimator import CorrNetTransformer
from ._persistence import load_model, save_model

__all__ = ["CorrNetTransformer", "load_model", "save_model", "__version__"]

__version__ = "0.1.0"
