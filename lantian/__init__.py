"""Lantian: the application shell (CLI, configuration, wiring)."""

__version__ = "0.1.0"
