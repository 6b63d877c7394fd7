"""Helpers of the ASSET tests on either database: raw SQL on a store's own database (to look at or
tamper with rows), a fresh PostgreSQL schema per test, and the keystore URI a store needs."""

from __future__ import annotations

import uuid

from hukspy import asset


def db_exec(store: asset.AssetStore, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Run ``sql`` (``?`` placeholders) through the store's connection pool in a transaction of its own;
    the rows it returns, if any (a test's PostgreSQL schema is its own, so the table holds its rows only)."""
    with store._db.write("test") as conn:
        cur = conn.execute(sql, args)
        return [tuple(r) for r in cur.fetchall()] if cur.description else []


def pg_schema_url(url: str) -> str:
    """``url`` with a new, empty schema of its own as the search path: a test's tables are its own, as
    its SQLite directory is."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    return f"{url}&options=-csearch_path%3D{name}"


def asset_uri(uri: str) -> str:
    """The keystore URI the asset store needs: a TPM has no AES-GCM, so its keys are sealed keys."""
    if uri.startswith("tpm2:") and "fallback=sealed" not in uri:
        return uri + ("&" if "?" in uri else "?") + "fallback=sealed"
    return uri
