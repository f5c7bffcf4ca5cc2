"""Fixtures shared across test packages (the nginx fixture lives with the engine tests)."""

from tests.engine.conftest import nginx  # noqa: F401
