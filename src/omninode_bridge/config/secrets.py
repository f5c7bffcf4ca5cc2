"""Masking of secret values (anything interpolated from the environment) in outputs.

``mask_secrets(obj, secrets)`` returns a deep copy of ``obj`` in which every occurrence of
every secret inside every string (values and mapping keys) is replaced by ``***``. Use it on
anything written out: results JSON, reports, logs, error messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

MASK = "***"


def mask_secrets(obj: Any, secrets: Iterable[str]) -> Any:
    """A deep copy of ``obj`` (dicts, lists, tuples, sets, pydantic models) with secrets masked.

    Pydantic models become their JSON-mode ``model_dump()``. Non-string leaves are kept.
    """
    ordered = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not ordered:
        return _copy(obj, None)
    # Longest first, so a secret that contains another is masked whole.
    pattern = re.compile("|".join(re.escape(s) for s in ordered))
    return _copy(obj, pattern)


def _copy(obj: Any, pattern: re.Pattern[str] | None) -> Any:
    if isinstance(obj, str):
        return pattern.sub(MASK, obj) if pattern is not None else obj
    if isinstance(obj, BaseModel):
        return _copy(obj.model_dump(mode="json"), pattern)
    if isinstance(obj, dict):
        return {_copy(k, pattern): _copy(v, pattern) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return type(obj)(_copy(v, pattern) for v in obj)
    return obj
