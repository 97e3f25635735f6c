"""System of record (SQLAlchemy) and search index backends."""
