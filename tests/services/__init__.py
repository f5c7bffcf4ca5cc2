"""Tests of the reference services (real servers on 127.0.0.1)."""
