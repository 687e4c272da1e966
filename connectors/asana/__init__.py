"""Asana: the connector (marketing tasks) and a faithful sandbox of its REST API."""
