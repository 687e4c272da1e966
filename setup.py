"""Packaging glue pyproject.toml can't express: ship the top-level migrations/ as hub.migrations."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["hub", "hub.*", "connectors", "connectors.*"]),
              "hub.migrations", "hub.migrations.versions", "hub.mappings"],
    package_dir={"hub.migrations": "migrations", "hub.mappings": "mappings"},
    package_data={"hub.mappings": ["*.yaml"]},
)
