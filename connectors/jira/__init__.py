"""Jira Cloud: the connector (R&D issues) and a faithful sandbox of its REST API."""
