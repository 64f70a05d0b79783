"""Durable state: SQLAlchemy 2 models, Alembic migrations, repositories.

SQLite by default (a file in the state dir, WAL mode), PostgreSQL when
`HARMLABEL_DATABASE_URL` says so. The schema changes only through migrations.
"""
