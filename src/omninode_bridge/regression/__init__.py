"""regression layer."""
