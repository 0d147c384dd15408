"""Packaging for skcorrnet."""

from setuptools import find_packages, setup

with open("README.md", encoding="utf-8") as f:
    long_description = f.read()

setup(
    name="skcorrnet",
    version="0.1.0",
    description=(
        "Correlational Neural Networks (CorrNet) as scikit-learn transformers, "
        "trained with Keras"
    ),
    long_description=long_description,
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    packages=find_packages(include=["skcorrnet", "skcorrnet.*"]),
    python_requires=">=3.10",
    install_requires=[
        "numpy>=1.26",
        "scipy>=1.11",
        "scikit-learn>=1.6",
        "tensorflow>=2.16",
        "keras>=3.0",
    ],
    extras_require={
        "test": [
            "pytest>=7",
            "pandas>=2.0",
            "hypothesis>=6",
            "matplotlib>=3.7",
            "dask[distributed]>=2024.1",
        ],
        "plot": ["matplotlib>=3.7"],
        # searches on a dask.distributed cluster through joblib's "dask" backend
        "dask": ["dask[distributed]>=2024.1"],
        "docs": [
            "sphinx>=7",
            "numpydoc>=1.6",
            "sphinx-gallery>=0.16",
            "pydata-sphinx-theme>=0.15",
            "matplotlib>=3.7",
            "pandas>=2.0",
        ],
        "lint": ["ruff>=0.4"],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Intended Audience :: Science/Research",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
