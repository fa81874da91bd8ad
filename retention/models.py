"""Models of retention."""
