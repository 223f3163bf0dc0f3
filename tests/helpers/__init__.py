"""Shared test helpers (import as ``tests.helpers...`` with the repository root on sys.path)."""
