"""Raw SQL on a store's own database, SQLite or PostgreSQL, for tests that look at or tamper with rows."""

from __future__ import annotations

from hukspy import asset


def db_exec(store: asset.AssetStore, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Run ``sql`` (``?`` placeholders) through the store's connection pool in a transaction of its own;
    the rows it returns, if any (a test's PostgreSQL schema is its own, so the table holds its rows only)."""
    with store._db.write("test") as conn:
        cur = conn.execute(sql, args)
        return [tuple(r) for r in cur.fetchall()] if cur.description else []
