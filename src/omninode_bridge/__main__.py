"""``python -m omninode_bridge`` is ``omninode-perf``."""

from __future__ import annotations

import sys

from omninode_bridge.cli.main import main

sys.exit(main())
