"""relgraph: a GraphQL service over a CRM's relationship graph."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("relgraph")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

__all__ = ["__version__"]
