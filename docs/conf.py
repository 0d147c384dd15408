"""Sphinx configuration of the skcorrnet documentation.

Build with ``tox -e docs`` or ``sphinx-build -W -b html docs docs/_build/html``.
The gallery (``examples/plot_*.py``) is run during the build.

Links to other projects go through intersphinx. Their inventories are fetched
from the web when it is reachable; for builds without network, every project
also has a small local inventory of the objects these pages name (written
below, into the build folder), so that the build passes with ``-W`` offline
and the links still point at the right pages. Keras publishes no Sphinx
inventory at all, so its local inventory is the only one.
"""

import os
import sys
import warnings
import zlib
from pathlib import Path

# TensorFlow's start-up chatter would otherwise fill the build log.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import skcorrnet  # noqa: E402

# The gallery trains for a few dozen epochs to keep the build fast; the
# warning that the epoch budget ended first would only repeat that.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

project = "skcorrnet"
author = "the skcorrnet developers"
copyright = "the skcorrnet developers"
release = skcorrnet.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.md5"]
# `name` in a docstring links to the object when Sphinx knows it, and is
# set as code otherwise (never a warning).
default_role = "py:obj"

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"skcorrnet {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # The page's table of contents on the right of the narrative pages only:
    # gallery and API pages need the width for code and signatures.
    "secondary_sidebar_items": {
        page: ["page-toc"]
        for page in ("index", "install", "getting_started", "user_guide", "api")
    },
}
html_static_path = []
html_show_sourcelink = False

# -- intersphinx ------------------------------------------------------------

# Local stand-ins for each project's inventory: object -> (role, page), the
# page relative to the project's base address.
_OFFLINE_OBJECTS = {
    "python": ("https://docs.python.org/3/", {
        "pickle": ("py:module", "library/pickle.html#module-pickle"),
    }),
    "numpy": ("https://numpy.org/doc/stable/", {
        "numpy.ndarray": ("py:class", "reference/generated/numpy.ndarray.html#$"),
        "numpy.random.RandomState": (
            "py:class", "reference/random/legacy.html#$"),
    }),
    "scipy": ("https://docs.scipy.org/doc/scipy/", {
        "scipy.linalg": ("py:module", "reference/linalg.html#module-$"),
    }),
    "sklearn": ("https://scikit-learn.org/stable/", {
        name: ("py:" + kind, f"modules/generated/{name}.html#$")
        for name, kind in [
            ("sklearn.cross_decomposition.CCA", "class"),
            ("sklearn.pipeline.Pipeline", "class"),
            ("sklearn.pipeline.make_pipeline", "function"),
            ("sklearn.model_selection.GridSearchCV", "class"),
            ("sklearn.model_selection.train_test_split", "function"),
            ("sklearn.linear_model.LogisticRegression", "class"),
            ("sklearn.preprocessing.StandardScaler", "class"),
            ("sklearn.base.clone", "function"),
        ]
    }),
    "joblib": ("https://joblib.readthedocs.io/en/stable/", {
        "joblib.dump": ("py:function", "generated/joblib.dump.html#$"),
        "joblib.load": ("py:function", "generated/joblib.load.html#$"),
        "joblib.parallel_config": (
            "py:class", "generated/joblib.parallel_config.html#$"),
    }),
    "matplotlib": ("https://matplotlib.org/stable/", {
        "matplotlib.axes.Axes": ("py:class", "api/_as_gen/$.html#$"),
        "matplotlib.figure.Figure": ("py:class", "api/_as_gen/$.html#$"),
    }),
    # keras.io is not built with Sphinx: this is the only inventory.
    "keras": ("https://keras.io/api/", {
        "keras.Model": ("py:class", "models/model/"),
        "keras.Model.fit": ("py:method", "models/model_training_apis/#fit-method"),
        "keras.optimizers.Adam": ("py:class", "optimizers/adam/"),
        "keras.callbacks.EarlyStopping": ("py:class", "callbacks/early_stopping/"),
    }),
}


def _write_inventory(path, project_name, objects):
    """Write a Sphinx version-2 inventory (``objects.inv``) of ``objects``."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project_name}\n"
        "# Version: \n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(
        f"{name} {role} 1 {uri} -\n" for name, (role, uri) in sorted(objects.items())
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header.encode() + zlib.compress(body.encode()))


_INVENTORIES = DOCS / "_build" / "offline_inventories"
_OFFLINE = bool(os.environ.get("SKCORRNET_DOCS_OFFLINE"))
intersphinx_mapping = {}
for _name, (_url, _objects) in _OFFLINE_OBJECTS.items():
    _local = str(_INVENTORIES / f"{_name}.inv")
    _write_inventory(Path(_local), _name, _objects)
    # The web inventory first, the local one when the web cannot be reached:
    # a failed first location with a working second is not a warning.
    # SKCORRNET_DOCS_OFFLINE=1 skips the web (and its timeouts) altogether.
    _web = () if _OFFLINE or _name == "keras" else (None,)
    intersphinx_mapping[_name] = (_url, (*_web, _local))
intersphinx_timeout = 10

# -- sphinx-gallery -----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": str(DOCS.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skcorrnet",),
    "backreferences_dir": "generated/backreferences",
    "show_memory": False,
    "remove_config_comments": True,
    "min_reported_time": 1,
    "download_all_examples": False,
    "abort_on_example_error": True,
}
