"""Presentation helpers that the pages (web) and the reports share; they know no domain app."""
