"""Run: execute a loaded project against a database adapter.

What a run is asked and returns (`results`), which nodes a selector picks
(`selection`), what runs and why (`plan`, a pure function of the project and
the stored state), the parallel walk over the DAG (`scheduler`), data-test
verdicts and their messages (`testrun`), the runner that joins them
(`runner`), and the JSON artifacts other tools read (`artifacts`).

May import: `warehouse.core`, `warehouse.compile`, `warehouse.adapters`
(through the `Adapter` protocol, never a database driver).
"""
