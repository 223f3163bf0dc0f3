"""Use cases, free of Qt: what the UI, the CLI and the tests call."""
