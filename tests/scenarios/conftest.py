"""Fixtures shared with the engine tests."""

from tests.engine.conftest import nginx  # noqa: F401
