"""Models of subject_access."""
