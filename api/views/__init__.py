"""Thin viewsets: a scoped selector for every read, one service for every write."""
