"""The HTTP face of the hub: the unified API, webhook intake and operations endpoints."""
