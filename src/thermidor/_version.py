"""The package version, recorded with every stored run."""

__version__ = "0.1.0"
