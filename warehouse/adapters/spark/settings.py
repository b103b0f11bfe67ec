"""The Spark target's settings, and the one Spark session a process holds.

A project picks Spark with `--target NAME` (or DBT_TARGET) where
`[tool.warehouse.targets.NAME]` in pyproject.toml says `type = "spark"`; a
target named `spark` with no table uses the defaults. Keys:

    master = "local[*]"          # passed to Spark as is: spark://host:7077, yarn, k8s://...
    warehouse_dir = "spark-warehouse"   # where tables' files go (relative to the project)
    metastore_dir = ""           # the local Derby metastore (default: inside warehouse_dir)
    database_prefix = ""         # Spark database = prefix + the project's schema
    conf = { "spark.executor.memory" = "4g" }   # any further Spark conf

A cluster URL changes where work runs, not what is built. What this
version assumes of local mode: warehouse_dir is a local path (executors of a
cluster need a shared one: HDFS, S3), seeds are read from the project's
folder (executors must see it), and the metastore is a local Derby database
(a cluster's Hive metastore is named with conf
`spark.hadoop.hive.metastore.uris`).

pyspark is imported only here and only when a Spark target runs. A JVM
takes seconds to start, so the session is made once a process and shared by
every build in it (the tests rely on that); its static conf is the first
caller's.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warehouse.core.errors import ProjectError

_KEYS = frozenset({"type", "master", "warehouse_dir", "metastore_dir", "database_prefix",
                   "conf"})
_LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = stderr
appender.console.type = Console
appender.console.name = stderr
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""
_lock = threading.Lock()
_session: Any = None


@dataclass(frozen=True)
class SparkSettings:
    root: Path
    name: str = "spark"
    master: str = "local[*]"
    warehouse_dir: Path = Path("spark-warehouse")
    metastore_dir: Path | None = None
    database_prefix: str = ""
    conf: Mapping[str, str] = field(default_factory=dict)

    @property
    def warehouse_path(self) -> Path:
        return (self.root / self.warehouse_dir).resolve()

    @property
    def metastore_path(self) -> Path:
        return ((self.root / self.metastore_dir) if self.metastore_dir
                else self.warehouse_path / "metastore_db").resolve()

    def database(self, schema: str) -> str:
        """The Spark database holding the project's `schema` (lower case, as Hive keeps it)."""
        return (self.database_prefix + schema).lower()


def spark_target(root: Path, name: str | None, config_file: str = "pyproject.toml"
                 ) -> SparkSettings | None:
    """The Spark settings of target `name`, or None when that target is not Spark."""
    if not name:
        return None
    table = _targets(root / config_file).get(name)
    if table is None:
        return SparkSettings(root=root) if name == "spark" else None
    if not isinstance(table, Mapping) or table.get("type") != "spark":
        return None
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ProjectError(f"unknown key(s) in [tool.warehouse.targets.{name}]: "
                           f"{', '.join(unknown)}", path=config_file,
                           hint=f"known keys: {', '.join(sorted(_KEYS))}")
    conf = table.get("conf") or {}
    if not isinstance(conf, Mapping):
        raise ProjectError(f"[tool.warehouse.targets.{name}] conf must be a table",
                           path=config_file)
    return SparkSettings(
        root=root, name=name, master=str(table.get("master") or "local[*]"),
        warehouse_dir=Path(str(table.get("warehouse_dir") or "spark-warehouse")),
        metastore_dir=Path(str(table["metastore_dir"])) if table.get("metastore_dir") else None,
        database_prefix=str(table.get("database_prefix") or ""),
        conf={str(k): str(v) for k, v in conf.items()})


def _targets(path: Path) -> Mapping[str, Any]:
    if not path.is_file() or path.suffix != ".toml":
        return {}
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    found = data.get("tool", {}).get("warehouse", {}).get("targets", {})
    return found if isinstance(found, Mapping) else {}


def spark_session(settings: SparkSettings) -> Any:
    """The process's Spark session, started on first use with `settings`."""
    global _session
    with _lock:
        if _session is not None:
            return _session
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise ProjectError("the Spark target needs pyspark",
                               hint="pip install 'vn-la-trade-warehouse[spark]' (and Java 17+: "
                                    "scripts/ensure-java)") from None
        settings.warehouse_path.mkdir(parents=True, exist_ok=True)
        quiet = settings.warehouse_path / "log4j2.properties"  # errors only, no start-up chatter
        if not quiet.exists():
            quiet.write_text(_LOG4J, encoding="utf-8")
        builder = (SparkSession.builder.master(settings.master).appName("warehouse")
                   .config("spark.sql.warehouse.dir", str(settings.warehouse_path))
                   .config("spark.sql.catalogImplementation", "hive")
                   .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                           f"jdbc:derby:;databaseName={settings.metastore_path};create=true")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", "4")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.driver.extraJavaOptions",
                           f"-Dderby.system.home={settings.metastore_path.parent} "
                           f"-Dlog4j2.configurationFile={quiet.as_uri()}"))
        for key, value in settings.conf.items():
            builder = builder.config(key, value)
        _session = builder.getOrCreate()
        _session.sparkContext.setLogLevel("OFF")
        import logging  # pyspark logs every SQL error it raises; ours carry it already

        for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
            logging.getLogger(name).disabled = True
        return _session
