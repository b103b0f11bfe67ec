"""Parse rendered SQL with sqlglot and map positions back to the file the user wrote.

Jinja keeps no source map, so positions are mapped by aligning the rendered
text with the template text: lines that Jinja left alone match exactly, and a
line where an expression was substituted is aligned character by character.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import TYPE_CHECKING

from warehouse.adapters.base import ParsedModel, SyntaxProblem, TableRead
from warehouse.core.errors import ProjectError, caret_snippet

if TYPE_CHECKING:
    from sqlglot import exp


def map_position(template: str, rendered: str, line: int, column: int) -> tuple[int, int]:
    """Map (line, column) in `rendered` to the matching position in `template` (1-based)."""
    src_lines = template.splitlines()
    out_lines = rendered.splitlines()
    matcher = difflib.SequenceMatcher(None, src_lines, out_lines, autojunk=False)
    target = line - 1
    for tag, s1, s2, r1, r2 in matcher.get_opcodes():
        if not r1 <= target < r2:
            continue
        if tag == "equal":
            return s1 + (target - r1) + 1, column
        if s2 == s1:  # rendered lines with no template counterpart (macro output)
            return max(s1, 1), 1
        src_index = _most_alike(src_lines, s1, s2, out_lines[target], s1 + (target - r1))
        return src_index + 1, _map_column(src_lines[src_index], out_lines[target], column)
    return min(line, max(len(src_lines), 1)), column


def _most_alike(src_lines: list[str], start: int, stop: int, out: str, guess: int) -> int:
    """The template line in [start, stop) that the rendered line most resembles; among
    equals, the one nearest the positional guess (Jinja blocks shift lines, not order)."""
    def score(i: int) -> tuple[float, int]:
        ratio = difflib.SequenceMatcher(None, src_lines[i], out, autojunk=False).ratio()
        return ratio, -abs(i - guess)

    return max(range(start, stop), key=score)


def _map_column(src: str, out: str, column: int) -> int:
    pos = column - 1
    matcher = difflib.SequenceMatcher(None, src, out, autojunk=False)
    for tag, s1, _s2, r1, r2 in matcher.get_opcodes():
        if r1 <= pos < r2:
            return (s1 + (pos - r1) if tag == "equal" else s1) + 1
    return min(column, len(src) + 1)


def parse_model_sql(sql: str, *, path: str, template: str) -> exp.Expression:
    """One SELECT-like statement, or a ProjectError at the template's line and column."""
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.errors import ParseError, TokenError

    try:
        statements = [s for s in Dialect.get_or_raise("duckdb").parse(sql) if s is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        line, col = first.get("line") or 1, first.get("col") or 1
        # sqlglot's column is the end of the offending token; point at its start.
        col = max(1, col - len(first.get("highlight") or "x") + 1)
        message = first.get("description") or str(exc).splitlines()[0]
        raise _positioned(f"SQL syntax error: {message}", path, template, sql, line, col) from None
    except TokenError as exc:
        raise ProjectError(f"SQL syntax error: {exc}", path=path) from None
    if len(statements) != 1:
        found = f"found {len(statements)}" if statements else "found none"
        line, col = _second_statement(sql)
        if line is None:
            raise ProjectError(f"a model must be exactly one SQL statement, {found}", path=path,
                               hint="remove trailing statements; hooks are not supported")
        err = _positioned(f"a model must be exactly one SQL statement, {found}; another "
                          "one starts here", path, template, sql, line, col or 1)
        err.hint = "remove trailing statements; hooks are not supported"
        raise err
    return statements[0]


def _second_statement(sql: str) -> tuple[int | None, int | None]:
    """Where the statement after the first `;` begins (what a second statement would
    run), read off the tokens; (None, None) when there is none to point at."""
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.tokens import TokenType

    tokens = Dialect.get_or_raise("duckdb").tokenize(sql)
    for before, token in zip(tokens, tokens[1:], strict=False):
        if before.token_type == TokenType.SEMICOLON and token.token_type != TokenType.SEMICOLON:
            return token.line, max(1, token.col - len(token.text) + 1)
    return None, None


def analyze_model_sql(sql: str, *, path: str, template: str) -> ParsedModel:
    """Tables read and output columns of a model, or a syntax error at the user's line.

    DuckDB's own parser is the authority on syntax (it is what will run the
    SQL, and sqlglot accepts some SQL DuckDB rejects); sqlglot then reads the
    SQL for analysis and lineage. Where sqlglot rejects SQL that DuckDB accepts
    (a CTE named `values`, newer DuckDB syntax), DuckDB's parse tree is used
    instead, so a valid model is never refused because of the analyser.
    """
    from warehouse.adapters.target import sql_parser

    native = sql_parser("duckdb")
    if not native.accepts(sql):
        problem = native.parse(sql)
        if isinstance(problem, SyntaxProblem):
            raise _positioned(f"SQL syntax error: {problem.message}", path, template, sql,
                              problem.line or 1, problem.column or 1)
    volatile = volatile_calls(sql, native.volatile_functions)
    try:
        tree = parse_model_sql(sql, path=path, template=template)
    except ProjectError as sqlglot_error:
        parsed = native.parse(sql)
        if not isinstance(parsed, ParsedModel):
            raise sqlglot_error from None
        return replace(parsed, volatile=volatile)
    return ParsedModel(tuple(tables_read(tree)), tuple(output_columns(tree)), "sqlglot",
                       volatile)


class NativeFirst:
    """The analysis of an edited model in a rebuild: DuckDB's own tree where it answers
    (tables read and columns, named by the same rule as sqlglot's reading: see
    `output_columns`), so that checking one model does not import sqlglot (about 0.1 s,
    more than the model's own SQL takes at 500 models); sqlglot's whole analysis where
    DuckDB's tree cannot answer (a syntax error, not one query), and for any error the
    check finds (`thorough`), so that what is said, and where, is what a whole load says."""

    thorough = staticmethod(lambda sql, *, path, template:
                            analyze_model_sql(sql, path=path, template=template))

    def __call__(self, sql: str, *, path: str, template: str) -> ParsedModel:
        from warehouse.adapters.target import sql_parser

        native = sql_parser("duckdb")
        parsed = native.parse(sql)
        if not isinstance(parsed, ParsedModel):
            return analyze_model_sql(sql, path=path, template=template)
        return replace(parsed, volatile=volatile_calls(sql, native.volatile_functions))


def prepare_to_analyze() -> None:
    """Open ahead, on this thread, what analysing a model needs and takes long to open
    (DuckDB's parser connection: `SqlParser.prepare`)."""
    from warehouse.adapters.target import sql_parser

    sql_parser("duckdb").prepare()


def volatile_in(sql: str) -> tuple[str, ...]:
    """The volatile functions (by the database's own list) that `sql` calls."""
    from warehouse.adapters.target import sql_parser

    return volatile_calls(sql, sql_parser("duckdb").volatile_functions)


_KEYWORD_CALLS = frozenset({"current_date", "current_timestamp", "current_time",
                            "localtimestamp", "localtime"})  # functions written without ()


def volatile_calls(sql: str, names: frozenset[str]) -> tuple[str, ...]:
    """The functions of `names` the SQL calls, read off DuckDB's tokens: a name followed by
    `(` (not `t.now`, a column), or a clock keyword such as `current_date`. Comments and
    string literals are tokens of their own, so `-- now()` and `'now()'` do not count.
    SQL the tokenizer cannot read is searched as text: a false "volatile" only costs a
    rebuild."""
    lowered = sql.lower()
    if not any(n in lowered for n in names):
        return ()  # (most SQL: no name is even in the text, so no token is one)
    from warehouse.adapters.target import sql_parser

    try:
        tokens = sql_parser("duckdb").tokens(sql)
    except Exception:
        return tuple(sorted(n for n in names if n in lowered))
    code = [(kind, text) for kind, text in tokens if kind != "comment"]
    found = set()
    for i, (kind, text) in enumerate(code):
        if kind not in ("identifier", "keyword"):
            continue
        name = (text[1:-1] if len(text) > 1 and text[0] == text[-1] == '"' else text).lower()
        if name not in names or (i > 0 and code[i - 1][1] == "."):
            continue
        if name in _KEYWORD_CALLS or (i + 1 < len(code) and code[i + 1][1] == "("):
            found.add(name)
    return tuple(sorted(found))


def _positioned(message: str, path: str, template: str, sql: str, line: int, col: int):
    src_line, src_col = map_position(template, sql, line, col)
    return ProjectError(message, path=path, line=src_line, column=src_col,
                        snippet=caret_snippet(template, src_line, src_col))


def tables_read(tree: exp.Expression) -> list[TableRead]:
    """Tables named in FROM/JOIN clauses that are not CTEs defined in the statement."""
    from sqlglot import exp

    cte_names: set[str] = set()
    tables: list[exp.Table] = []
    for node in tree.walk():  # one walk for both (find_all twice walked the tree twice)
        if isinstance(node, exp.Table):
            tables.append(node)
        elif isinstance(node, exp.CTE):
            cte_names.add(node.alias_or_name.lower())
    reads: list[TableRead] = []
    for table in tables:
        ident = table.this
        if not isinstance(ident, exp.Identifier):
            continue  # table functions such as read_csv(...) or range(...)
        schema = table.db or None
        if not schema and ident.name.lower() in cte_names:
            continue
        meta = ident.meta or {}
        reads.append(TableRead(schema, ident.name, meta.get("line"), meta.get("col")))
    return reads


def output_columns(tree: exp.Expression) -> list[str]:
    """Names of the columns a SELECT produces, where they can be read off the SQL: each
    projection aliased or a plain column, else none at all (as DuckDB's own tree is
    read: adapters/duckdb/parser.py); a union's, its first query's. DuckDB names any other
    expression by its text (`count_star()`, `CAST(x AS INTEGER)`), which sqlglot's name
    for it is not (`*`, `x`, or empty)."""
    from sqlglot import exp

    select = tree
    while isinstance(select, (exp.SetOperation, exp.Subquery, exp.Paren)):
        select = select.this  # (a set operation's columns are named by its first query)
    if not isinstance(select, exp.Select):
        return []
    names = []
    for projection in select.expressions:
        projection = projection.unnest()  # (`(a)` is named `a`)
        if isinstance(projection, exp.Alias) and projection.alias:
            names.append(projection.alias)
        elif isinstance(projection, exp.Column) and not projection.is_star:
            names.append(projection.name)
        else:
            return []
    return names


def unknown_table_error(read: TableRead, *, path: str, template: str, sql: str) -> ProjectError:
    shown = f"{read.schema}.{read.name}" if read.schema else read.name
    message = (f"the model reads table {shown!r}, which is neither a ref(), a source() "
               f"nor a CTE")
    hint = "use {{ ref('...') }} or {{ source('...', '...') }} so the engine knows the dependency"
    if read.line:
        err = _positioned(message, path, template, sql, read.line, read.column or 1)
        err.hint = hint
        return err
    return ProjectError(message, path=path, hint=hint)
