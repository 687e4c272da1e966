"""Tests of the Asana sandbox (and, alongside, the Asana connector)."""
