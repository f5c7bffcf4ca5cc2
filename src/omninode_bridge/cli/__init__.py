"""cli layer.

The commands do no linear algebra, so OpenBLAS gets one thread: its default pool costs
~0.1 s of start-up CPU and can spin on the generator's core. Set before numpy is first
imported; an explicit ``OPENBLAS_NUM_THREADS`` in the environment wins.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
