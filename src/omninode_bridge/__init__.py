"""OmniNode Bridge performance toolkit.

Layers (data flows one way): config → plan → engine → metrics → analysis → results →
reporters, with ``monitoring`` and ``services`` beside the chain. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
