"""Persistence: typed SQLAlchemy tables for the canonical model and the sync engine's state."""
