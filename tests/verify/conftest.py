"""The three services in-process (as for the results tests), to make real exports."""

from tests.results.conftest import services

__all__ = ["services"]
