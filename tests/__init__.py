"""Test package (makes ``tests.servers`` importable as ``python -m tests.servers.<name>``)."""
