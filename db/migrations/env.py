"""Alembic environment: runs on the engine the app hands over (or DATABASE_URL from the CLI)."""

from alembic import context

import db.models  # noqa: F401  (every model must be imported for autogenerate)
from db.base import Base
from db.engine import make_engine

config = context.config
engine = config.attributes.get("engine") or make_engine()

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
