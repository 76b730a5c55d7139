"""Persistence: SQLAlchemy models, migrations, the engine and unit of work, and repository functions."""
