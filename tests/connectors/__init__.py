"""Tests of the connector packages and their sandboxes."""
