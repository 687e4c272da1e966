"""Tests of the Jira sandbox (and, alongside, the Jira connector)."""
