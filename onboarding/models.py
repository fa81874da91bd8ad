"""Models of onboarding."""
