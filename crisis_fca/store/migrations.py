"""Named, ordered schema migrations recorded in the database (after sqlite-utils' ``Migrations``).

Each :class:`Migration` has a version (1, 2, ...), a name and its SQL statements. Applying one
runs its statements and records ``(version, name, checksum, applied_at)`` in the
``schema_migrations`` table in the same transaction, so a migration is applied entirely or
not at all. :func:`pending` only reads; :func:`migrate` applies what is pending, in order.

A file is refused (:class:`~crisis_fca.errors.StorageError`) when it records a migration this
code does not know (written by a newer crisis-fca), when a recorded migration's name or
checksum differs from this code's (an applied migration was edited, so the file's tables do
not match the declarations), or when it is a DuckDB database with tables but no
``schema_migrations`` (not a crisis-fca store).

Changing the schema: while no database you care about exists, edit
:mod:`crisis_fca.store.schema` (``0001_tables`` is generated from it). Once files are in use,
freeze ``0001_tables`` as literal SQL, append a migration (``ALTER TABLE ... ADD COLUMN``,
``CREATE OR REPLACE VIEW``) and update the declaration to match; the test suite checks that a
fresh database equals the declarations.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from crisis_fca.errors import StorageError
from crisis_fca.store.schema import ALERTS, DATA_TABLES, REGION_COMPARISON, RUNS, Table, quote
from crisis_fca.store.views import ALERT_VIEWS, REGION_VIEWS, RUN_VIEWS, View

__all__ = [
    "MIGRATIONS",
    "MIGRATIONS_TABLE",
    "SCHEMA_VERSION",
    "Migration",
    "applied",
    "database_label",
    "migrate",
    "pending",
    "rollback",
]

MIGRATIONS_TABLE = "schema_migrations"


@dataclass(frozen=True)
class Migration:
    """One schema change: its place in the order, its name and the SQL it runs."""

    version: int
    name: str
    description: str
    statements: tuple[str, ...]

    @property
    def label(self) -> str:
        """``0001_tables`` style label: version and name."""
        return f"{self.version:04d}_{self.name}"

    @property
    def checksum(self) -> str:
        """Fingerprint of the statements: an edited migration no longer matches a file."""
        return hashlib.sha256("\n;\n".join(self.statements).encode()).hexdigest()[:16]


def _create_table(table: Table) -> str:
    cols = [f"  {quote(c.name)} {c.type} {c.constraint}".rstrip() for c in table.columns]
    if table.key:
        cols.append(f"  PRIMARY KEY ({', '.join(quote(k) for k in table.key)})")
    return f"CREATE TABLE {quote(table.name)} (\n" + ",\n".join(cols) + "\n)"


def _create_view(view: View) -> str:
    return f"CREATE OR REPLACE VIEW {quote(view.name)} AS\n{view.sql}"


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "tables",
        "The run table, its sequence, and the per-run data tables.",
        ("CREATE SEQUENCE runs_seq START 1", *(_create_table(t) for t in (RUNS, *DATA_TABLES))),
    ),
    Migration(
        2,
        "views",
        "Analyst views: latest runs and rules, stable/predictive rules, history, comparison.",
        tuple(_create_view(v) for v in RUN_VIEWS),
    ),
    Migration(
        3,
        "alerts",
        "Monitoring: the `alerts` table (every trigger evaluated by a monitor or replay run) "
        "and the `alert_outcomes` view (hits, false alarms, misses vs persistence).",
        (_create_table(ALERTS), *(_create_view(v) for v in ALERT_VIEWS)),
    ),
    Migration(
        4,
        "region_comparison",
        "Regions: the `region_comparison` table (which rules hold in how many regions of a "
        "regional batch) and the `latest_region_comparison` view.",
        (_create_table(REGION_COMPARISON), *(_create_view(v) for v in REGION_VIEWS)),
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1].version

_BOOTSTRAP = (
    f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, "
    "name VARCHAR NOT NULL, checksum VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
)


def database_label(con: duckdb.DuckDBPyConnection) -> str:
    """The file behind ``con`` (or ``:memory:``), for messages."""
    rows = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    return str(rows[0][0]) if rows and rows[0][0] else ":memory:"


def _user_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND NOT internal ORDER BY table_name"
    ).fetchall()
    return [str(r[0]) for r in rows]


def applied(con: duckdb.DuckDBPyConnection) -> tuple[tuple[int, str, str], ...]:
    """The migrations recorded in the file: ``(version, name, checksum)`` in order.

    Raises:
        StorageError: the file is a DuckDB database with tables but is not a crisis-fca store.
    """
    tables = _user_tables(con)
    if MIGRATIONS_TABLE not in tables:
        if tables:
            shown = ", ".join(tables[:8]) + (" ..." if len(tables) > 8 else "")
            msg = (
                f"{database_label(con)} is a DuckDB database but not a crisis-fca store: it has "
                f"tables ({shown}) and no {MIGRATIONS_TABLE} table. crisis-fca will not write "
                "into it; pass a new or crisis-fca database file (--db)."
            )
            raise StorageError(msg)
        return ()
    rows = con.execute(
        f"SELECT version, name, checksum FROM {MIGRATIONS_TABLE} ORDER BY version"
    ).fetchall()
    return tuple((int(v), str(n), str(c)) for v, n, c in rows)


def pending(con: duckdb.DuckDBPyConnection) -> tuple[Migration, ...]:
    """The migrations ``con``'s file still needs, in order; reads only.

    Raises:
        StorageError: the file is newer than this code, its applied migrations differ from
            this code's, or it is not a crisis-fca store.
    """
    done = applied(con)
    known = {m.version: m for m in MIGRATIONS}
    for version, name, checksum in done:
        _check_known(con, known.get(version), version, name, checksum)
    versions = {v for v, _, _ in done}
    return tuple(m for m in MIGRATIONS if m.version not in versions)


def _check_known(
    con: duckdb.DuckDBPyConnection, mine: Migration | None, version: int, name: str, checksum: str
) -> None:
    where = database_label(con)
    if mine is None:
        msg = (
            f"{where} was written by a newer crisis-fca: it records schema migration "
            f"{version:04d}_{name}, but this crisis-fca knows migrations up to "
            f"{MIGRATIONS[-1].label} (schema version {SCHEMA_VERSION}). Upgrade crisis-fca to "
            "read or write it, or use another database file (--db)."
        )
        raise StorageError(msg)
    if (mine.name, mine.checksum) != (name, checksum):
        msg = (
            f"{where} records schema migration {version:04d}_{name} (checksum {checksum}), but "
            f"this crisis-fca defines {mine.label} (checksum {mine.checksum}): an applied "
            "migration was changed, so the file's tables no longer match this code. Move the "
            "file away and start a new database, or restore the original migration and add "
            "the change as a new one."
        )
        raise StorageError(msg)


def migrate(con: duckdb.DuckDBPyConnection, *, target: int | None = None) -> tuple[str, ...]:
    """Apply every pending migration to ``con``'s file, each in its own transaction.

    Args:
        con: a read-write connection.
        target: stop after this version (default: the latest); for building older files.

    Returns:
        The labels of the migrations applied (empty when the file was up to date).

    Example:
        >>> con = duckdb.connect(":memory:")
        >>> migrate(con)
        ('0001_tables', '0002_views', '0003_alerts', '0004_region_comparison')
        >>> migrate(con)
        ()
    """
    todo = tuple(m for m in pending(con) if target is None or m.version <= target)
    for migration in todo:
        _apply(con, migration)
    return tuple(m.label for m in todo)


def _apply(con: duckdb.DuckDBPyConnection, migration: Migration) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(_BOOTSTRAP)
        for statement in migration.statements:
            con.execute(statement)
        con.execute(
            f"INSERT INTO {MIGRATIONS_TABLE} VALUES (?, ?, ?, ?)",
            [migration.version, migration.name, migration.checksum, _utcnow()],
        )
        con.execute("COMMIT")
    except BaseException as err:
        rollback(con)
        if not isinstance(err, duckdb.Error):
            raise
        msg = (
            f"cannot upgrade {database_label(con)} with schema migration {migration.label}: "
            f"{err}. The file was left as it was; if it is read-only, open it somewhere "
            "writable, else report this with the file's schema_migrations rows."
        )
        raise StorageError(msg) from err


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back ``con``'s open transaction; quietly, since the caller re-raises the cause."""
    with contextlib.suppress(duckdb.Error):  # no open transaction, or an unusable connection
        con.execute("ROLLBACK")


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
