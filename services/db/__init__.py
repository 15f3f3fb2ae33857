"""Persistence: typed SQLAlchemy models and session helpers."""
