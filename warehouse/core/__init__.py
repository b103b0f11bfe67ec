"""Core: what every other layer stands on.

Node identity and relations (`identity`), the one root exception and its
user-facing text (`errors`), progress output (`console`), the node types a
loaded project holds (`nodes`), the DAG (`dag`), the project configuration
(`config`), YAML property files (`properties`) and atomic file writes
(`atomic`).

May import: the standard library and, inside functions, PyYAML. Nothing else
of `warehouse`: every other layer imports this one, never the reverse.
"""
