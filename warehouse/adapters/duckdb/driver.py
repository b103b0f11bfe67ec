"""DuckDB's Python driver, imported at the cost of what the engine uses of it.

The `duckdb` package is DuckDB's compiled extension, `_duckdb` (connections,
results, errors, the tokenizer), under a layer of Python: the relation API
(`con.sql`, `duckdb.table`, ...), Arrow sources, and a version read from the
package's metadata. Importing that layer takes about 60 ms, as long as the
rest of a one-model rebuild's start-up, and the engine uses none of it: only
names the package re-exports from the extension unchanged (`connect`, the
exception classes, `tokenize`, `__version__`; `test_driver` checks they are the
package's very objects). So the engine imports the extension alone, as
`duckdb`; where it cannot be imported by that name (a build of the package laid
out otherwise), the package stands in, and nothing but time differs.

Code that wants the relation API (`session.arrow_batches`, for `publish`)
imports `duckdb` itself first: the package adds those methods to the very class
of the extension's connections.
"""

from __future__ import annotations

try:
    import _duckdb as duckdb
except ImportError:  # pragma: no cover  (the package as a whole, then)
    import duckdb  # type: ignore[no-redef]

__all__ = ["duckdb"]
