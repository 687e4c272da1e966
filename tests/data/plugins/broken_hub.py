"""A connector plugin that fails on import: the hub must report it and load the others."""

raise ImportError("broken_hub needs libacme 9, which is not installed")
