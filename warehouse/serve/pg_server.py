"""A throwaway PostgreSQL server in a folder: for the tests and for `make publish`.

`warehouse publish` needs a real PostgreSQL to write to (DESIGN §4), and its
tests must not depend on one being configured on the machine. So this module
runs the server binaries directly: `initdb` into `<folder>/data`, `pg_ctl
start` listening on 127.0.0.1 only (never on other interfaces) on a free
port, with its unix socket inside the folder, so two servers never collide.

PostgreSQL refuses to run as root. When we are root (containers, CI), the
server runs as the `postgres` system user (or `nobody`), and the folder is
handed to that user.

    server = start(Path("target/postgres"), password="s3cret")
    server.url        # postgresql://warehouse:s3cret@127.0.0.1:PORT/warehouse
    stop(server.folder)

`python -m warehouse.serve.pg_server start|stop|status|url|info FOLDER` does the
same from a shell (the Makefile's `publish` and `publish-stop` use it).
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from warehouse.core.errors import ProjectError

SUPERUSER = "warehouse"
DATABASE = "warehouse"
_STATE = "server.json"
_PASSWORD = "password"
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes; PostgreSQL appends "/.s.PGSQL.NNNNN"


@dataclass(frozen=True)
class PgServer:
    """A running throwaway server: where it lives and how to reach it."""

    folder: Path
    port: int
    bin_dir: Path
    password: str | None = None
    user: str = SUPERUSER
    database: str = DATABASE
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        """libpq URL with the password in it (do not print it: see `pg_url.redact`)."""
        auth = quote(self.user, safe="")
        if self.password is not None:
            auth += ":" + quote(self.password, safe="")
        return f"postgresql://{auth}@{self.host}:{self.port}/{self.database}"

    @property
    def bare_url(self) -> str:
        """The URL without the password: libpq takes that from PGPASSWORD or ~/.pgpass.

        For shells: a password in a command line is visible to every local user (ps).
        """
        return f"postgresql://{quote(self.user, safe='')}@{self.host}:{self.port}/{self.database}"

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def psql(self, sql: str, *, database: str | None = None) -> str:
        """Run `sql` through the `psql` client over TCP (unaligned, tuples only)."""
        env = dict(os.environ, PGPASSWORD=self.password or "", PGCONNECT_TIMEOUT="10")
        proc = subprocess.run(
            [str(_client("psql", self.bin_dir)), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "-h", self.host, "-p", str(self.port), "-U", self.user,
             "-d", database or self.database, "-c", sql],
            capture_output=True, text=True, env=env, timeout=60, check=False)
        if proc.returncode != 0:
            raise ProjectError(f"psql failed: {proc.stderr.strip()}")
        return proc.stdout


# ---------------------------------------------------------------------- binaries


def find_bin_dir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres: from PATH, else Debian's newest."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not candidates:
        return None
    newest = max(candidates, key=lambda p: int(Path(p).parent.parent.name)
                 if Path(p).parent.parent.name.isdigit() else 0)
    return Path(newest).parent


def _require_bin_dir() -> Path:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise ProjectError(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found in PATH or "
            "/usr/lib/postgresql/*/bin",
            hint="run scripts/ensure-postgres (installs Debian's postgresql package), "
                 "or pass --postgres URL of an existing server")
    return bin_dir


def _client(name: str, bin_dir: Path) -> Path:
    """A client program (psql) beside the server binaries, else from PATH."""
    beside = bin_dir / name
    if beside.exists():
        return beside
    found = shutil.which(name)
    if not found:
        raise ProjectError(f"the PostgreSQL client {name!r} was not found")
    return Path(found)


# ---------------------------------------------------------------------- running as


@dataclass(frozen=True)
class _RunAs:
    """The account the server runs as: ourselves, or a system user when we are root."""

    uid: int | None = None
    gid: int | None = None

    def kwargs(self) -> dict:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def _run_as() -> _RunAs:
    if os.geteuid() != 0:
        return _RunAs()
    import pwd

    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return _RunAs(entry.pw_uid, entry.pw_gid)
    raise ProjectError("PostgreSQL cannot run as root, and there is no 'postgres' or "
                       "'nobody' user to run it as")


def _hand_over(folder: Path, run_as: _RunAs) -> None:
    """Give the folder to the server's account, and check it can reach it."""
    if run_as.uid is None:
        return
    for path in (folder, *folder.rglob("*")):
        os.chown(path, run_as.uid, run_as.gid)
    for parent in folder.resolve().parents:
        if not os.stat(parent).st_mode & 0o001:
            raise ProjectError(
                f"the PostgreSQL server runs as uid {run_as.uid} (not as root) and cannot "
                f"enter {parent}",
                hint="put the server folder under a directory others may enter "
                     "(e.g. a new folder in /tmp: it is handed over whole)")


def _call(args: list[str], run_as: _RunAs, what: str, **kwargs) -> None:
    proc = subprocess.run(args, capture_output=True, text=True, check=False,
                          timeout=120, **run_as.kwargs(), **kwargs)
    if proc.returncode != 0:
        raise ProjectError(f"{what} failed: {(proc.stderr or proc.stdout).strip()}")


# ---------------------------------------------------------------------- lifecycle


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(folder: Path, *, password: str | None = None) -> PgServer:
    """Initialise (first time) and start a server in `folder`; return it once it accepts.

    With a password, TCP logins use scram-sha-256; without, they are trusted
    (fine for a server only this machine can reach, and only for throwaway data).
    A folder whose server already runs is returned as it is.
    """
    folder = Path(folder).absolute()
    running = status(folder)
    if running is not None:
        return running
    bin_dir = _require_bin_dir()
    run_as = _run_as()
    folder.mkdir(parents=True, exist_ok=True)
    # Private: the unix socket inside trusts whoever reaches it, and the password lives here.
    os.chmod(folder, 0o700)
    socket_dir = folder / "socket"
    if len(str(socket_dir)) > _SOCKET_PATH_MAX - 16:
        raise ProjectError(f"the folder path {folder} is too long for a unix socket",
                           hint=f"use a folder path shorter than {_SOCKET_PATH_MAX - 22} "
                                "characters")
    socket_dir.mkdir(exist_ok=True)
    data = folder / "data"
    if not (data / "PG_VERSION").exists():
        _initdb(folder, data, bin_dir, run_as, password)
    _hand_over(folder, run_as)
    port = _start_on_free_port(folder, data, socket_dir, bin_dir, run_as)
    server = PgServer(folder=folder, port=port, bin_dir=bin_dir, password=password)
    (folder / _STATE).write_text(json.dumps({"port": port, "bin_dir": str(bin_dir)}))
    _wait_ready(server)
    return server


def _start_on_free_port(folder: Path, data: Path, socket_dir: Path, bin_dir: Path,
                        run_as: _RunAs, attempts: int = 3) -> int:
    """pg_ctl start on a free port; another process may take the port first, so retry."""
    log = folder / "server.log"
    for attempt in range(attempts):
        port = free_port()
        _write_conf(data, port, socket_dir)
        try:
            _call([str(bin_dir / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(data),
                   "-l", str(log)], run_as, "pg_ctl start", stdin=subprocess.DEVNULL)
            return port
        except ProjectError as exc:
            if attempt == attempts - 1:
                tail = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
                raise ProjectError(f"{exc.message}\n" + "\n".join(tail),
                                   hint=f"the server's log is {log}") from None
    raise AssertionError("unreachable")


def _initdb(folder: Path, data: Path, bin_dir: Path, run_as: _RunAs,
            password: str | None) -> None:
    auth = ["--auth-local=trust"]
    pwfile = folder / "initdb-password"
    if password is not None:
        _write_secret(pwfile, password + "\n")
        auth += ["--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
        _write_secret(folder / _PASSWORD, password)
    else:
        auth += ["--auth-host=trust"]
    _hand_over(folder, run_as)
    try:
        _call([str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-E", "UTF8",
               "--locale=C", "--no-sync", *auth], run_as, "initdb")
    finally:
        pwfile.unlink(missing_ok=True)


def _write_secret(path: Path, text: str) -> None:
    """Write a file only its owner can read, from the first byte on."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _write_conf(data: Path, port: int, socket_dir: Path) -> None:
    """Loopback only, our port and socket; no fsync: the data is a copy, made again at will."""
    settings = {
        "listen_addresses": "127.0.0.1",
        "port": str(port),
        "unix_socket_directories": str(socket_dir),
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
    }
    lines = [f"{k} = '{v}'" for k, v in settings.items()]
    conf = data / "postgresql.auto.conf"
    header = "# written by warehouse.serve.pg_server on every start\n"
    conf.write_text(header + "\n".join(lines) + "\n")


def _wait_ready(server: PgServer, timeout: float = 30) -> None:
    """pg_ctl -w waits for the socket; also wait until our database takes queries."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            server.psql("select 1", database="postgres")
            break
        except ProjectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    exists = server.psql(f"select 1 from pg_database where datname = '{server.database}'",
                         database="postgres")
    if not exists.strip():
        server.psql(f'create database "{server.database}"', database="postgres")


def status(folder: Path) -> PgServer | None:
    """The server running in `folder`, or None."""
    folder = Path(folder).absolute()
    state = folder / _STATE
    pid_file = folder / "data" / "postmaster.pid"
    if not state.exists() or not pid_file.exists():
        return None
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return None
    except PermissionError:
        pass  # alive, owned by another user
    info = json.loads(state.read_text())
    pw_file = folder / _PASSWORD
    password = pw_file.read_text() if pw_file.exists() else None
    return PgServer(folder=folder, port=int(info["port"]), bin_dir=Path(info["bin_dir"]),
                    password=password)


def stop(folder: Path) -> bool:
    """Stop the server in `folder` (fast shutdown); False if none was running."""
    server = status(folder)
    if server is None:
        return False
    _call([str(server.bin_dir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D",
           str(server.folder / "data")], _run_as(), "pg_ctl stop")
    (server.folder / _STATE).unlink(missing_ok=True)
    return True


# ---------------------------------------------------------------------- shell


def connection_help(server: PgServer, folder_as_given: str) -> str:
    """How a person or a BI tool reaches the server (the password stays in its file)."""
    pw = f"{folder_as_given}/{_PASSWORD}"
    return "\n".join([
        f"PostgreSQL (throwaway) on 127.0.0.1:{server.port}, database {server.database}, "
        f"user {server.user}; the password is in {pw}",
        f"  psql:   PGPASSWORD=$(cat {pw}) psql -h 127.0.0.1 -p {server.port} "
        f"-U {server.user} {server.database}",
        f"  URL:    {server.bare_url}   (password from PGPASSWORD or ~/.pgpass)",
        "  BI tools: host 127.0.0.1, the port, database, user and password above, schema marts",
        f"  stop:   make publish-stop   (or python -m warehouse.serve.pg_server stop "
        f"{folder_as_given})",
    ])


def main(argv: list[str] | None = None) -> int:
    """`python -m warehouse.serve.pg_server start|stop|status|url|info FOLDER`."""
    from warehouse.serve.pg_url import redact

    argv = sys.argv[1:] if argv is None else argv
    actions = ("start", "stop", "status", "url", "info")
    if len(argv) != 2 or argv[0] not in actions:
        print(f"usage: python -m warehouse.serve.pg_server {'|'.join(actions)} FOLDER",
              file=sys.stderr)
        return 2
    action, folder = argv[0], Path(argv[1])
    try:
        if action == "start":
            existing = (folder / _PASSWORD)
            password = existing.read_text() if existing.exists() else secrets.token_urlsafe(16)
            server = start(folder, password=password)
            print(f"PostgreSQL running at {redact(server.url)} (data in {server.folder})",
                  file=sys.stderr)
            return 0
        if action == "stop":
            stopped = stop(folder)
            print("stopped" if stopped else f"no server running in {folder}", file=sys.stderr)
            return 0
        server = status(folder)
        if server is None:
            print(f"no server running in {folder}", file=sys.stderr)
            return 1
        if action == "info":
            print(connection_help(server, argv[1]))
        else:
            print(server.bare_url if action == "url" else redact(server.url))
        return 0
    except ProjectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
