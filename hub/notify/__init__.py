"""Notifications: templates, the outbox and its delivery, and the channels (robots, e-mail)."""
