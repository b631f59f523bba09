"""Durable storage of the queue (SQLite)."""
