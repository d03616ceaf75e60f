"""Test databases made from templates, so a test pays neither for the migrations nor for the demo clinic.

The schema is migrated once per run (exactly as ``build_portal`` does) and the demo clinic is imported once per
clock reading. On SQLite each test gets a copy of the template file. On PostgreSQL the run clones the template
database once and puts that copy's contents back before each test (see ``PostgresTemplates``).

The PostgreSQL template ``portal_tpl_<hash>`` is named after the migration files, kept between runs and shared by
concurrent runs. Each run holds a shared advisory lock on its hash while it uses the template; a run whose
migrations differ drops the other template only when it gets that lock exclusively (nobody uses it any more). A
run's own databases carry the backend pid of its admin connection, so leftovers of a killed run are recognised
(the pid is gone) and dropped. Templates are built under one advisory lock, under a temporary name and then
renamed, so a half-built template is never cloned.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import attrs
import psycopg
import sqlalchemy
from sqlalchemy.engine import Connection, make_url

from portalcore.adapters.clock import FixedClock
from portalcore.adapters.sql import migrate
from portalcore.adapters.sql.engine import make_engine
from portalcore.bootstrap import Portal, build_portal, read_clinic_file
from portalcore.settings import Settings
from tests.fakes.memory import RecordingSender

BUILD_LOCK = 0x706F7274616C  # "portal": serialises building and dropping templates across concurrent runs


def migrations_hash() -> str:
    """A digest of everything that decides the migrated schema: the migration scripts and the column types."""
    digest = hashlib.sha256()
    files = sorted(migrate.MIGRATIONS.rglob("*.py")) + [migrate.MIGRATIONS.parent / "types.py"]
    for path in files:
        digest.update(path.relative_to(migrate.MIGRATIONS.parent).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _import_demo_clinic(database_url: str, now: datetime, data_dir: Path) -> None:
    """Imports the demo clinic into an already migrated database, as ``portal.setup.import_clinic`` does in a test."""
    portal = build_portal(Settings(data_dir=data_dir, database_url=database_url), clock=FixedClock(now),
                          mailer=RecordingSender(), sms=RecordingSender())
    try:
        portal.setup.import_clinic(read_clinic_file())
    finally:
        portal.close()


def _copy_sqlite(template: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):  # a closed template has none; a replaced database must not keep its log
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    copy = target.with_name(target.name + ".copy")
    shutil.copyfile(template, copy)
    copy.replace(target)  # a new file: a connection still open on the old one never sees it change underneath


class SqliteTemplates:
    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._migrated: Path | None = None
        self._demo: dict[str, Path] = {}

    def migrated(self) -> Path:
        if self._migrated is None:
            path = self._directory / "migrated.db"
            engine = make_engine(f"sqlite:///{path}")
            try:
                migrate.upgrade(engine)
            finally:
                engine.dispose()  # the last connection to close folds the write-ahead log into the file
            self._migrated = path
        return self._migrated

    def demo(self, now: datetime) -> Path:
        key = now.isoformat()
        if key not in self._demo:
            path = self._directory / f"demo-{len(self._demo)}.db"
            _copy_sqlite(self.migrated(), path)
            _import_demo_clinic(f"sqlite:///{path}", now, self._directory / "var")
            self._demo[key] = path
        return self._demo[key]


@attrs.frozen
class Snapshot:
    """What every table holds (in COPY text format, exact for every type) and where every sequence stands."""

    tables: dict[str, bytes]
    sequences: str  # one SELECT of setval() calls


class PostgresTemplates:
    """The migrated template on the server of ``server_url``, and this run's working copy of it.

    A new database costs about 480 files (PostgreSQL's catalogues), and on a file system without a journal ext4
    slows down creating files while many were deleted in the last minutes: a database per test took 0.5 s. So the
    run clones the template once and, before each test, puts the contents of that copy back (rows and sequences,
    no files created) from a snapshot: of the template, or of the copy after the demo clinic was imported at a given
    clock reading. ``CREATE DATABASE`` is left for the template, the copy and the empty databases.
    """

    def __init__(self, server_url: str, work_dir: Path) -> None:
        self._server = make_url(server_url)
        self._work_dir = work_dir
        self._engine = sqlalchemy.create_engine(self._server, isolation_level="AUTOCOMMIT")
        self._connection: Connection = self._engine.connect()
        self._pid = int(self._sql("SELECT pg_backend_pid()").scalar_one())
        self._hash = migrations_hash()
        self._template = f"portal_tpl_{self._hash}"
        self._sql(f"SELECT pg_advisory_lock_shared({self._lock_key(self._hash)})")  # "this run uses the template"
        self._sql(f"SELECT pg_advisory_lock({BUILD_LOCK})")
        try:
            self._drop_leftovers()
            if not self._exists(self._template):
                self._build()
        finally:
            self._sql(f"SELECT pg_advisory_unlock({BUILD_LOCK})")
        self._working = f"portal_t_{self._pid}_work"
        self._sql(f"CREATE DATABASE {self._working} TEMPLATE {self._template}")
        self._work = psycopg.connect(self._conninfo(self._working), autocommit=True)
        self._order, self._clear = self._schema()
        self._snapshots = {"migrated": self._snapshot()}

    def url(self, database: str) -> str:
        return self._server.set(database=database).render_as_string(hide_password=False)

    def owns(self, url: str) -> bool:
        """Whether ``url`` names this run's working database."""
        return url == self.url(self._working)

    def migrated(self) -> str:
        """The working database with the contents of the migrated template; returns its URL."""
        self._disconnect_others()
        self._restore(self._snapshots["migrated"])
        return self.url(self._working)

    def load_demo(self, now: datetime) -> None:
        """Gives the working database the demo clinic as imported at ``now`` (imported once per ``now``).

        The portal that asks keeps its pooled connections (idle ones hold no lock), as after an import."""
        key = now.isoformat()
        if key in self._snapshots:
            self._restore(self._snapshots[key])
            return
        self._restore(self._snapshots["migrated"])
        _import_demo_clinic(self.url(self._working), now, self._work_dir / "var")
        self._snapshots[key] = self._snapshot()

    def empty(self) -> str:
        """A new database without any table; returns its URL (``release`` drops it)."""
        name = f"portal_t_{self._pid}_{secrets.token_hex(4)}"
        self._sql(f"CREATE DATABASE {name}")
        return self.url(name)

    def release(self, url: str) -> None:
        """After a test: drops an empty database; ends the connections a test left to the working one."""
        if self.owns(url):
            self._disconnect_others()
        else:
            self._sql(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")

    def close(self) -> None:
        self._work.close()
        self._sql(f"DROP DATABASE IF EXISTS {self._working} WITH (FORCE)")
        self._connection.close()  # ends the session, which releases its advisory locks
        self._engine.dispose()

    def _conninfo(self, database: str) -> str:
        return self._server.set(drivername="postgresql", database=database).render_as_string(hide_password=False)

    def _schema(self) -> tuple[list[str], str]:
        """The tables, parents before children, and the SQL that empties them all (the audit log's guard off)."""
        with self._work.cursor() as cursor:
            tables = [r[0] for r in cursor.execute(
                "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'")]
            parents: dict[str, set[str]] = {t: set() for t in tables}
            for child, parent in cursor.execute(
                    "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
                    "WHERE contype = 'f' AND connamespace = 'public'::regnamespace"):
                parents[child].add(parent)
            guarded = [r[0] for r in cursor.execute(
                "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")]
        order: list[str] = []
        while len(order) < len(tables):
            ready = sorted(t for t in tables if t not in order and parents[t] - {t} <= set(order))
            if not ready:
                raise RuntimeError(f"foreign keys form a cycle among {sorted(set(tables) - set(order))}")
            order += ready
        clear = [f'ALTER TABLE "{t}" DISABLE TRIGGER USER' for t in guarded]
        clear += [f'DELETE FROM "{t}"' for t in reversed(order)]
        clear += [f'ALTER TABLE "{t}" ENABLE TRIGGER USER' for t in guarded]
        return order, "; ".join(clear)

    def _snapshot(self) -> Snapshot:
        tables = {}
        with self._work.cursor() as cursor:
            for table in self._order:
                with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                    tables[table] = b"".join(bytes(chunk) for chunk in copy)
            sequences = cursor.execute(
                "SELECT format('setval(%L, %s, %s)', schemaname || '.' || sequencename, "
                "coalesce(last_value, start_value), (last_value IS NOT NULL)::text) FROM pg_sequences").fetchall()
        return Snapshot(tables={t: data for t, data in tables.items() if data},
                        sequences="SELECT " + ", ".join(r[0] for r in sequences) if sequences else "SELECT 1")

    def _restore(self, snapshot: Snapshot) -> None:
        """Empties every table, vacuums them (so the rows go back on the first pages, as in a new database, and a
        table never grows with the dead rows of earlier tests), then copies the snapshot in."""
        with self._work.transaction():
            self._work.execute(self._clear)
        self._work.execute("VACUUM " + ", ".join(f'"{t}"' for t in self._order))
        with self._work.transaction(), self._work.cursor() as cursor:
            for table in self._order:
                if table in snapshot.tables:
                    with cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                        copy.write(snapshot.tables[table])
            cursor.execute(snapshot.sequences)

    def _disconnect_others(self) -> None:
        """Ends every other connection to the working database (what a test left open or a worker it started)."""
        self._sql(f"SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '{self._working}' "
                  f"AND backend_type = 'client backend' AND pid <> {self._work.info.backend_pid}")  # waits for them

    def _sql(self, statement: str) -> sqlalchemy.CursorResult:
        return self._connection.exec_driver_sql(statement)

    @staticmethod
    def _lock_key(migrations: str) -> int:
        return int(migrations, 16)  # 12 hex digits fit a bigint

    def _exists(self, name: str) -> bool:
        return self._sql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").first() is not None

    def _build(self) -> None:
        """Migrates the template under a temporary name, so nobody can clone it half-built."""
        building = f"portal_tpl_{self._hash}_build_{self._pid}"
        self._sql(f"CREATE DATABASE {building}")
        try:
            engine = make_engine(self.url(building))
            try:
                migrate.upgrade(engine)  # creates btree_gist too, as in production
            finally:
                engine.dispose()
            self._sql(f"ALTER DATABASE {building} RENAME TO {self._template}")
        except BaseException:
            self._sql(f"DROP DATABASE IF EXISTS {building} WITH (FORCE)")
            raise

    def _drop_leftovers(self) -> None:
        """Drops templates of other migrations that no run uses, and what killed runs left behind."""
        alive = {row[0] for row in self._sql("SELECT pid FROM pg_stat_activity")}
        for (name,) in self._sql("SELECT datname FROM pg_database").all():
            parts = name.split("_")
            if parts[:2] == ["portal", "t"] and len(parts) == 4 and parts[2].isdigit():
                stale = int(parts[2]) not in alive  # a database of a run that is gone
            elif parts[:2] == ["portal", "tpl"] and len(parts) == 5 and parts[3] == "build" and parts[4].isdigit():
                stale = int(parts[4]) not in alive
            elif parts[:2] == ["portal", "tpl"] and len(parts) == 3 and parts[2] != self._hash:
                stale = self._sql(f"SELECT pg_try_advisory_lock({self._lock_key(parts[2])})").scalar_one()
                if stale:
                    self._sql(f"SELECT pg_advisory_unlock({self._lock_key(parts[2])})")
            else:
                continue
            if stale:
                self._sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class DatabaseTemplates:
    """The templates of one test run, made when first needed; ``close()`` at the end of the run."""

    def __init__(self) -> None:
        self._directory: Path | None = None
        self._sqlite: SqliteTemplates | None = None
        self._postgres: dict[str, PostgresTemplates] = {}

    def sqlite_url(self, path: Path, *, demo_at: datetime | None = None) -> str:
        """Copies the migrated template (with the demo clinic at ``demo_at``) to ``path``; returns its URL."""
        templates = self._sqlite_templates()
        _copy_sqlite(templates.demo(demo_at) if demo_at else templates.migrated(), path)
        return f"sqlite:///{path}"

    def postgres(self, server_url: str) -> PostgresTemplates:
        if server_url not in self._postgres:
            self._postgres[server_url] = PostgresTemplates(server_url, self._work_dir())
        return self._postgres[server_url]

    def load_demo_clinic(self, portal: Portal) -> None:
        """Gives a portal that was just built (nothing written yet) the demo clinic, as
        ``portal.setup.import_clinic(read_clinic_file())`` would: from the demo template for the portal's clock
        when the clock is fixed and the database is a test database, by importing otherwise."""
        url = portal.settings.effective_database_url
        postgres = next((t for t in self._postgres.values() if t.owns(url)), None)
        if not isinstance(portal.clock, FixedClock) or (postgres is None and not url.startswith("sqlite:///")):
            portal.setup.import_clinic(read_clinic_file())
            return
        if postgres is not None:
            postgres.load_demo(portal.clock.now())
            return
        portal._engine.dispose()  # the engine reconnects to the new file on its next use
        self.sqlite_url(Path(make_url(url).database or ""), demo_at=portal.clock.now())

    def close(self) -> None:
        for templates in self._postgres.values():
            templates.close()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
        self._directory, self._sqlite, self._postgres = None, None, {}

    def _work_dir(self) -> Path:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="portal-templates-"))
        return self._directory

    def _sqlite_templates(self) -> SqliteTemplates:
        if self._sqlite is None:
            self._sqlite = SqliteTemplates(self._work_dir())
        return self._sqlite


TEMPLATES = DatabaseTemplates()


def load_demo_clinic(portal: Portal) -> None:
    """``portal.setup.import_clinic(read_clinic_file())`` from a template; call it right after ``build_portal``."""
    TEMPLATES.load_demo_clinic(portal)


def demo_sqlite_url(path: Path, clock: FixedClock) -> str:
    """A SQLite database at ``path`` holding the demo clinic as imported at ``clock.now()``; returns its URL."""
    return TEMPLATES.sqlite_url(path, demo_at=clock.now())
