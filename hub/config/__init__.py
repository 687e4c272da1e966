"""Configuration: `config.yaml` read into pydantic models, with errors that point at the line.

Use `hub.config.loader.load_config`; this package init stays empty so the SDK can use the value
types in `hub.config.types` without importing the loader.
"""
