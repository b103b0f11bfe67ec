"""The malformed-input corpus: a small valid project and, per case, one defect put into it.

`BASE` is a complete project (seeds with declared column types, staging views, a table,
an ephemeral and an incremental model, a macro, a generic test defined in macros/,
property files with tests, a singular test, a source loaded beforehand, a docs block).
Each `Case` names the edits that introduce its defect, the command it runs, and what
the user must be told: the exit code and the file (and line, and column) of the defect.

Edits say on which line they put the defect (`on_line`, `insert_at`; `on_line` checks
that the text it changes is on that line, so a change to BASE that moves lines fails
loudly), and the case asserts that same line number. Text is
written as UTF-8 with `surrogateescape`, so "\\udce9" in an edit is the single byte 0xE9
(Latin-1 "é"), not valid UTF-8.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

PYPROJECT = """\
[tool.warehouse]
name = "trade"
threads = 2

[tool.warehouse.vars]
min_amount = 0

[tool.warehouse.seeds]
"+schema" = "seeds"

[tool.warehouse.models.staging]
"+materialized" = "view"
"+schema" = "staging"

[tool.warehouse.models.marts]
"+materialized" = "table"
"+schema" = "marts"
"""

BASE: Mapping[str, str] = {
    "pyproject.toml": PYPROJECT,
    "seeds/countries.csv": """\
code,name,population
VN,Vietnam,100300000
LA,Laos,7600000
TH,Thailand,71700000
""",
    "seeds/trades.csv": """\
trade_id,exporter,importer,amount,traded_on
1,VN,LA,10.50,2024-01-15
2,LA,VN,20.25,2024-02-01
3,VN,LA,5.00,2024-03-10
4,TH,LA,7.75,2024-03-11
""",
    "seeds/_seeds.yml": """\
version: 2

seeds:
  - name: countries
    description: Countries that trade.
    config:
      column_types:
        code: varchar
        population: bigint
    columns:
      - name: code
        data_tests:
          - unique
          - not_null
  - name: trades
    description: One row per trade.
    config:
      column_types:
        trade_id: integer
        amount: decimal(18,2)
        traded_on: date
""",
    "models/staging/stg_countries.sql": """\
select
    code as country_code,
    name as country_name,
    population
from {{ ref('countries') }}
""",
    "models/staging/stg_trades.sql": """\
select
    trade_id,
    exporter,
    importer,
    amount,
    traded_on
from {{ ref('trades') }}
where amount > {{ var('min_amount') }}
""",
    "models/staging/stg_events.sql": """\
select
    event_id,
    country_code,
    happened_on
from {{ source('raw', 'events') }}
""",
    "models/staging/_staging.yml": """\
version: 2

sources:
  - name: raw
    schema: raw
    description: Loaded by another tool.
    tables:
      - name: events
        columns:
          - name: event_id
            data_tests:
              - not_null

models:
  - name: stg_countries
    description: Countries, renamed.
    columns:
      - name: country_code
        description: ISO code.
        data_tests:
          - unique
          - not_null
      - name: country_name
        description: Name in English.
  - name: stg_trades
    description: Trades, typed.
    columns:
      - name: trade_id
        data_tests:
          - unique
          - not_null
      - name: exporter
        data_tests:
          - relationships:
              arguments:
                to: ref('stg_countries')
                field: country_code
      - name: importer
        data_tests:
          - accepted_values:
              arguments:
                values: ['VN', 'LA', 'TH']
      - name: amount
        description: "{{ doc('trade_amount') }}"
        data_tests:
          - positive
  - name: stg_events
    description: Events from the raw source.
""",
    "models/marts/int_flows.sql": """\
{{ config(materialized='ephemeral') }}
select
    exporter,
    importer,
    amount,
    {{ to_cents('amount') }} as amount_cents
from {{ ref('stg_trades') }}
""",
    "models/marts/fct_trade.sql": """\
select
    f.exporter,
    f.importer,
    c.country_name as exporter_name,
    sum(f.amount) as total_amount,
    sum(f.amount_cents) as total_cents
from {{ ref('int_flows') }} as f
join {{ ref('stg_countries') }} as c
    on c.country_code = f.exporter
group by all
""",
    "models/marts/trade_log.sql": """\
{{ config(materialized='incremental', unique_key='trade_id') }}
select
    trade_id,
    amount,
    traded_on
from {{ ref('stg_trades') }}
{% if is_incremental() %}
where traded_on >= (select max(traded_on) from {{ this }})
{% endif %}
""",
    "models/marts/_marts.yml": """\
version: 2

models:
  - name: fct_trade
    description: Trade by flow.
    columns:
      - name: exporter
        data_tests:
          - not_null
      - name: total_amount
        description: "{{ doc('trade_amount') }}"
  - name: trade_log
    description: Every trade, appended.
    columns:
      - name: trade_id
        data_tests:
          - unique
""",
    "models/docs.md": """\
{% docs trade_amount %}
Amount in USD million, as reported.
{% enddocs %}
""",
    "macros/cents.sql": """\
{% macro to_cents(column) %}
    cast({{ column }} * 100 as bigint)
{% endmacro %}
""",
    "macros/test_positive.sql": """\
{% test positive(model, column_name) %}
select *
from {{ model }}
where {{ column_name }} <= 0
{% endtest %}
""",
    "tests/assert_trade_totals_positive.sql": """\
select *
from {{ ref('fct_trade') }}
where total_amount <= 0
""",
}

# The source `raw.events`, loaded into the warehouse by "another tool" before the first build.
RAW_EVENTS_SQL = (
    "create schema raw; create table raw.events as select * from (values "
    "(1, 'VN', date '2024-01-01'), (2, 'LA', date '2024-02-02')) "
    "as t(event_id, country_code, happened_on)"
)

# The same project as a dbt project: dbt_project.yml + profiles.yml beside pyproject.toml
# (a folder with a dbt_project.yml is read as a dbt project).
DBT_PROJECT = """\
name: trade
profile: trade
config-version: 2
model-paths: ["models"]
seed-paths: ["seeds"]
macro-paths: ["macros"]
test-paths: ["tests"]
vars:
  min_amount: 0
models:
  trade:
    staging:
      +materialized: view
    marts:
      +materialized: table
"""
PROFILES = """\
trade:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: warehouse.duckdb
      threads: 2
"""
DBT_FILES = {"dbt_project.yml": DBT_PROJECT, "profiles.yml": PROFILES}


# --------------------------------------------------------------------------- edits


@dataclass(frozen=True)
class Edit:
    path: str
    apply: Callable[[str | bytes | None], str | bytes | None]


def on_line(path: str, n: int, old: str, new: str) -> Edit:
    """Replace `old` (which must be on line n) with `new` on line n of `path`."""

    def apply(text):
        lines = text.split("\n")
        assert old in lines[n - 1], f"{path}:{n} is {lines[n - 1]!r}, without {old!r}"
        lines[n - 1] = lines[n - 1].replace(old, new, 1)
        return "\n".join(lines)

    return Edit(path, apply)


def insert_at(path: str, n: int, new: str) -> Edit:
    """Insert `new` (one or more lines, no final newline) so that it starts at line n."""

    def apply(text):
        lines = text.split("\n")
        assert 1 <= n <= len(lines), f"{path} has no line {n}"
        lines[n - 1:n - 1] = new.split("\n")
        return "\n".join(lines)

    return Edit(path, apply)


def delete_line(path: str, n: int, old: str) -> Edit:
    def apply(text):
        lines = text.split("\n")
        assert old in lines[n - 1], f"{path}:{n} is {lines[n - 1]!r}, without {old!r}"
        del lines[n - 1]
        return "\n".join(lines)

    return Edit(path, apply)


def write(path: str, content: str | bytes | None) -> Edit:
    """The whole file (None: delete it)."""
    return Edit(path, lambda _old: content)


def transform(path: str, function: Callable[[str], str | bytes]) -> Edit:
    return Edit(path, function)


def dbt(*edits: Edit) -> tuple[Edit, ...]:
    """The dbt variant of the project, then `edits`."""
    return (*(write(p, t) for p, t in DBT_FILES.items()), *edits)


def apply_edits(root: Path, edits: tuple[Edit, ...]) -> None:
    for edit in edits:
        target = root / edit.path
        if target.is_file():
            old = target.read_bytes().decode("utf-8", "surrogateescape")
        else:
            old = BASE.get(edit.path)
        new = edit.apply(old)
        if new is None:
            if target.is_file():
                target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(new if isinstance(new, bytes)
                           else new.encode("utf-8", "surrogateescape"))


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # csv, yaml, sql, jinja, config, cli
    edits: tuple[Edit, ...] = ()
    argv: tuple[str, ...] = ("build",)  # "{root}" is the case's project folder
    code: int = 2
    path: str | None = None  # the file the message must name, as the user writes it
    line: int | None = None  # ... and the line of the defect, when it has one
    column: int | None = None
    contains: tuple[str, ...] = ()  # further words the message must hold
    xfail: str | None = None  # what is wrong today (strict: a fix makes it XPASS)
    # the file may be named by its absolute path (profiles.yml: often outside the project)
    absolute_ok: bool = False
    fresh: bool = False  # a project that was never built
    env: Mapping[str, str | None] = field(default_factory=dict)  # None: unset
    setup: Callable[[Path], None] | None = None  # after the edits, before the command
    check: Callable[[Path], None] | None = None  # after the command


CASES: list[Case] = []


def case(id: str, kind: str, *edits: Edit, **kw) -> None:
    if kind == "csv":
        kw.setdefault("code", 1)  # a seed that does not load is a node that fails
    CASES.append(Case(id, kind, tuple(edits), **kw))


def lines_of(*lines: str, end: str = "\n") -> str:
    return end.join(lines) + end


# =========================================================================== CSV seeds

C, T, S = "seeds/countries.csv", "seeds/trades.csv", "seeds/_seeds.yml"
Y, M = "models/staging/_staging.yml", "models/marts/_marts.yml"

case("csv_ragged_extra_field", "csv", on_line(T, 3, "2024-02-01", "2024-02-01,late"),
     path=T, line=3, contains=("6 fields",))
case("csv_ragged_missing_field", "csv", on_line(T, 4, "5.00,2024-03-10", "5.00"),
     path=T, line=4)
case("csv_trailing_delimiter", "csv", on_line(T, 5, "2024-03-11", "2024-03-11,"),
     path=T, line=5)
case("csv_unquoted_comma_in_name", "csv",
     on_line(C, 4, "Thailand", "Thailand, Kingdom of"), path=C, line=4)
case("csv_unclosed_quote", "csv", on_line(C, 3, "Laos", '"Laos'), path=C, line=3)
case("csv_unclosed_quote_on_last_line", "csv",
     on_line(C, 4, "Thailand", '"Thailand'), path=C, line=4)
case("csv_text_after_closing_quote", "csv", on_line(C, 3, "Laos", '"Laos"PDR'),
     path=C, line=3)
case("csv_int_not_a_number", "csv", on_line(T, 4, "3,", "three,"),
     path=T, line=4, column=1, contains=("three", "INTEGER"))
case("csv_int_overflow", "csv", on_line(T, 3, "2,", "99999999999,"),
     path=T, line=3, column=1)
case("csv_decimal_with_letter_o", "csv", on_line(T, 2, "10.50", "10.5O"),
     path=T, line=2, column=9, contains=("10.5O",))
case("csv_decimal_with_currency", "csv", on_line(T, 5, "7.75", "$7.75"),
     path=T, line=5, column=9)
case("csv_date_month_13", "csv", on_line(T, 5, "2024-03-11", "2024-13-11"),
     path=T, line=5, column=14, contains=("2024-13-11", "DATE"))
case("csv_date_day_month_year", "csv", on_line(T, 2, "2024-01-15", "15/01/2024"),
     path=T, line=2, column=15)
case("csv_date_february_30", "csv", on_line(T, 3, "2024-02-01", "2024-02-30"),
     path=T, line=3, column=15)
case("csv_bigint_with_thousands_separator", "csv",
     on_line(C, 2, "100300000", '"100,300,000"'), path=C, line=2, column=12)
case("csv_bigint_nan", "csv", on_line(C, 4, "71700000", "NaN"), path=C, line=4, column=13)
case("csv_bad_value_after_quoted_comma", "csv",
     on_line(C, 4, "Thailand,71700000", '"Thailand, Kingdom of",71.7m'),
     path=C, line=4, column=27, contains=("71.7m",))
case("csv_bad_value_after_multiline_field", "csv",
     on_line(C, 3, "Laos", "\"Lao People's\nDemocratic Republic\""),
     on_line(C, 5, "71700000", "seventy"), path=C, line=5, column=13)
case("csv_crlf_bad_value_line_4", "csv",
     transform(T, lambda t: t.replace("5.00", "5.OO").replace("\n", "\r\n")),
     path=T, line=4, column=9)
case("csv_bom_bad_value", "csv",
     transform(T, lambda t: "\ufeff" + t.replace("1,VN", "1x,VN")),
     path=T, line=2, column=1, contains=("1x",))
case("csv_header_only", "csv", write(C, "code,name,population\n"), path=Y, line=34,
     contains=("relationships",))
case("csv_empty_file", "csv", write(C, ""), path=C)
case("csv_only_blank_lines", "csv", write(C, "\n\n\n"), path=C)
case("csv_duplicate_header", "csv", on_line(C, 1, "population", "population,name"),
     path=C, line=1, contains=("name",))
case("csv_duplicate_header_other_case", "csv",
     on_line(T, 1, "amount", "Amount,amount"), path=T, line=1)
case("csv_empty_header_name", "csv", on_line(C, 1, "code,name", "code,,name"),
     path=C, line=1)
case("csv_non_utf8_byte", "csv", on_line(C, 3, "Laos", "L\udce0os"), path=C, line=3)
case("csv_latin1_on_line_4", "csv", on_line(C, 4, "Thailand", "Tha\udcefland"),
     path=C, line=4)
case("csv_utf16_file", "csv",
     transform(C, lambda t: t.encode("utf-16")), path=C, line=1)
case("csv_nul_byte", "csv", on_line(C, 3, "Laos", "La\x00os"), path=C, line=3)
case("csv_semicolon_delimited", "csv",
     transform(C, lambda t: t.replace(",", ";")), path=C, line=1)
case("csv_semicolon_row", "csv", on_line(T, 3, "2,LA,VN,20.25,2024-02-01",
                                         "2;LA;VN;20.25;2024-02-01"), path=T, line=3)
case("csv_header_typo", "csv", on_line(C, 1, "population", "populaton"),
     path=C, line=1, contains=("population",))
case("csv_unknown_declared_type", "csv", on_line(S, 9, "bigint", "bigiint"),
     path=S, line=9, contains=("bigiint",))
case("csv_declared_type_typo_varchr", "csv", on_line(S, 8, "varchar", "varchr"),
     path=S, line=8, contains=("varchr",))
case("csv_column_types_key_header_lacks", "csv",
     on_line(S, 20, "amount:", "amout:"), path=S, line=20, contains=("amout",))
case("csv_column_types_sql_injection", "csv",
     on_line(S, 21, "date", "date); drop table x; --"), path=S, line=21)

# =========================================================================== YAML property files

case("yaml_bad_indentation", "yaml",
     on_line(Y, 19, "        description", "          description"), path=Y, line=19)
case("yaml_dedented_key", "yaml",
     on_line(Y, 26, "    description", "  description"), path=Y, line=26)
case("yaml_tab_indentation", "yaml",
     on_line(Y, 24, "        description", "\t\tdescription"), path=Y, line=24,
     contains=("tab",))
case("yaml_unclosed_double_quote", "yaml",
     on_line(Y, 16, "Countries, renamed.", '"Countries, renamed.'), path=Y, line=16)
case("yaml_unclosed_single_quote", "yaml",
     on_line(M, 13, "Every trade", "'Every trade"), path=M, line=13)
case("yaml_unclosed_bracket", "yaml",
     on_line(Y, 42, "'TH']", "'TH'"), path=Y, line=42)
case("yaml_colon_in_unquoted_value", "yaml",
     on_line(Y, 26, "Trades, typed.", "Trades: typed, in USD."), path=Y, line=26)
case("yaml_undefined_alias", "yaml",
     on_line(Y, 24, "Name in English.", "*english_name"), path=Y, line=24)
case("yaml_two_documents", "yaml", insert_at(M, 12, "---"), path=M, line=12)
case("yaml_misspelt_columns", "yaml", on_line(Y, 17, "columns", "colums"),
     path=Y, line=17, contains=("colums", "columns"))
case("yaml_misspelt_data_test", "yaml", on_line(Y, 20, "data_tests", "data_test"),
     path=Y, line=20, contains=("data_test",))
case("yaml_misspelt_description", "yaml", on_line(Y, 26, "description", "descripton"),
     path=Y, line=26, contains=("descripton",))
case("yaml_misspelt_tables", "yaml", on_line(Y, 7, "tables", "table"), path=Y, line=7)
case("yaml_misspelt_top_level_models", "yaml", on_line(M, 3, "models", "model"),
     path=M, line=3)
case("yaml_seed_config_at_top_level", "yaml",
     on_line(S, 6, "config:", "column_types:"), delete_line(S, 7, "column_types:"),
     path=S, line=6)
case("yaml_duplicate_description", "yaml",
     insert_at(Y, 27, "    description: Trades, one row each."), path=Y, line=27,
     contains=("description",))
case("yaml_duplicate_columns_key", "yaml",
     insert_at(M, 18, "    columns:\n      - name: amount"), path=M, line=18,
     contains=("columns",))
case("yaml_test_on_missing_column", "yaml",
     on_line(Y, 23, "country_name", "country_nam"), insert_at(Y, 25, "        data_tests:\n"
                                                              "          - not_null"),
     code=1, path=Y, line=23, contains=("country_nam",))
case("yaml_test_on_missing_model", "yaml",
     on_line(M, 12, "trade_log", "trade_logs"), path=M, line=12, contains=("trade_logs",))
case("yaml_relationships_missing_model", "yaml",
     on_line(Y, 36, "stg_countries", "stg_country"), path=Y, line=36,
     contains=("stg_country",))
case("yaml_relationships_missing_field", "yaml",
     on_line(Y, 37, "country_code", "country_id"), path=Y, line=37, code=1,
     contains=("country_id",))
case("yaml_relationships_without_field", "yaml",
     delete_line(Y, 37, "field: country_code"), path=Y, line=34, contains=("field",))
case("yaml_unknown_generic_test", "yaml", on_line(Y, 21, "unique", "uniqe"),
     path=Y, line=21, contains=("uniqe",))
case("yaml_unknown_test_argument", "yaml", on_line(Y, 42, "values:", "value:"),
     path=Y, line=42, contains=("value",))
case("yaml_accepted_values_without_values", "yaml",
     on_line(Y, 40, "accepted_values:", "accepted_values"),
     delete_line(Y, 41, "arguments:"), delete_line(Y, 41, "values:"),
     path=Y, line=40, contains=("values",))
case("yaml_accepted_values_not_a_list", "yaml",
     on_line(Y, 42, "['VN', 'LA', 'TH']", "VN"), path=Y, line=42)
case("yaml_test_arguments_not_a_mapping", "yaml",
     on_line(Y, 35, "arguments:", "arguments: stg_countries"),
     delete_line(Y, 36, "to:"), delete_line(Y, 36, "field:"), path=Y, line=35)
case("yaml_test_severity_unknown", "yaml",
     on_line(Y, 21, "- unique", "- unique:\n              config:\n"
                                "                severity: fatal"),
     path=Y, line=23, contains=("fatal",))
case("yaml_test_where_bad_sql", "yaml",
     on_line(Y, 22, "- not_null", "- not_null:\n              config:\n"
                                  "                where: \"country_code >\""),
     code=1, path=Y, line=24)
case("yaml_columns_not_a_list", "yaml",
     on_line(M, 14, "columns:", "columns: trade_id"), delete_line(M, 15, "- name"),
     delete_line(M, 15, "data_tests"), delete_line(M, 15, "- unique"), path=M, line=14)
case("yaml_models_not_a_list", "yaml",
     write(M, "version: 2\n\nmodels:\n  name: fct_trade\n  description: Trade by flow.\n"),
     path=M, line=4)
case("yaml_file_is_a_list", "yaml", write(M, "- name: fct_trade\n  description: x\n"),
     path=M, line=1)
case("yaml_file_is_a_string", "yaml", write(M, "fct_trade trade by flow\n"), path=M, line=1)
case("yaml_config_not_a_mapping", "yaml",
     insert_at(M, 6, "    config: table"), path=M, line=6)
case("yaml_column_without_name", "yaml",
     on_line(M, 10, "- name: total_amount", "- description: total"),
     delete_line(M, 11, "description"), path=M, line=10)
case("yaml_column_name_is_a_number", "yaml",
     on_line(M, 15, "trade_id", "42"), path=M, line=15)
case("yaml_non_utf8_byte", "yaml",
     on_line(Y, 24, "Name in English.", "Nom fran\udce7ais."), path=Y, line=24)
case("yaml_model_described_twice", "yaml",
     insert_at(M, 12, "  - name: stg_trades\n    description: Again."), path=M, line=12,
     contains=("stg_trades", f"{Y}:25"))
case("yaml_source_without_name", "yaml", on_line(Y, 4, "- name: raw", "- schema: raw"),
     delete_line(Y, 5, "schema: raw"), path=Y, line=4)
case("yaml_source_table_twice", "yaml",
     insert_at(Y, 13, "      - name: events"), path=Y, line=13, contains=("events",))
case("yaml_seed_described_without_file", "yaml",
     insert_at(S, 22, "  - name: tariffs\n    description: Tariff lines."), path=S, line=22,
     contains=("tariffs",))
case("yaml_tests_and_data_tests", "yaml",
     insert_at(M, 10, "        tests:\n          - unique"), path=M, line=10)
case("yaml_seed_delimiter_refused", "yaml",
     *dbt(insert_at(S, 22, "      delimiter: ';'")), code=1, path=S, line=22,
     contains=("delimiter",))
case("yaml_source_database_refused", "yaml",
     insert_at(Y, 6, "    database: other"), path=Y, line=6, contains=("database",))
case("yaml_column_types_not_a_mapping", "yaml",
     on_line(S, 18, "column_types:", "column_types: [trade_id, integer]"),
     delete_line(S, 19, "trade_id"), delete_line(S, 19, "amount"),
     delete_line(S, 19, "traded_on"), path=S, line=18)
case("yaml_unknown_doc_in_description", "yaml",
     on_line(Y, 44, "trade_amount", "trade_amout"), path=Y, line=44,
     contains=("trade_amout",))

# =========================================================================== SQL models

SC, ST, SE = ("models/staging/stg_countries.sql", "models/staging/stg_trades.sql",
              "models/staging/stg_events.sql")
F, L, E = "models/marts/fct_trade.sql", "models/marts/trade_log.sql", "models/marts/int_flows.sql"
A = "tests/assert_trade_totals_positive.sql"

case("sql_missing_comma", "sql", on_line(SC, 3, "country_name,", "country_name"),
     on_line(SC, 4, "population", "population total"), path=SC, line=4)
case("sql_unbalanced_parenthesis", "sql", on_line(F, 5, "sum(f.amount)", "sum(f.amount"),
     path=F, line=5)
case("sql_extra_parenthesis", "sql", on_line(F, 6, "sum(f.amount_cents)",
                                             "sum(f.amount_cents))"), path=F, line=6)
case("sql_misspelt_keyword", "sql", on_line(ST, 8, "where", "wehre"), path=ST, line=8)
case("sql_unterminated_string", "sql", insert_at(ST, 9, "  and exporter <> 'XX"),
     path=ST, line=9)
case("sql_unterminated_block_comment", "sql", insert_at(SC, 2, "    /* the ISO code"),
     path=SC, line=2)
case("sql_two_statements", "sql", write("models/marts/two.sql",
                                        "select 1 as a;\nselect 2 as b;\n"),
     path="models/marts/two.sql", line=2)
case("sql_from_without_table", "sql", on_line(SE, 5, "{{ source('raw', 'events') }}", ""),
     path=SE, line=5)
case("sql_table_read_without_ref", "sql", on_line(ST, 7, "{{ ref('trades') }}", "trades"),
     path=ST, line=7, contains=("trades",))
case("sql_schema_table_read_without_source", "sql",
     on_line(SE, 5, "{{ source('raw', 'events') }}", "raw.events"), path=SE, line=5,
     contains=("raw.events",))
case("sql_join_without_ref", "sql", on_line(F, 8, "{{ ref('stg_countries') }}",
                                             "staging.stg_countries"), path=F, line=8)
case("sql_ref_typo", "sql", on_line(E, 7, "stg_trades", "stg_trade"), path=E, line=7,
     contains=("stg_trade", "stg_trades"))
case("sql_ref_seed_typo", "sql", on_line(SC, 5, "countries", "country"), path=SC, line=5,
     contains=("countries",))
case("sql_source_table_typo", "sql", on_line(SE, 5, "'events'", "'event'"), path=SE, line=5,
     contains=("event",))
case("sql_source_name_typo", "sql", on_line(SE, 5, "'raw'", "'rwa'"), path=SE, line=5,
     contains=("rwa",))
case("sql_cycle", "sql",
     insert_at(SC, 6, "join {{ ref('fct_trade') }} as t on t.exporter = code"),
     path=SC, line=6, contains=("model.fct_trade", "model.stg_countries"))
case("sql_self_ref", "sql", insert_at(ST, 8, "join {{ ref('stg_trades') }} using (trade_id)"),
     path=ST, line=8, contains=("stg_trades",))
case("sql_ref_to_disabled_model", "sql",
     insert_at(SC, 1, "{{ config(enabled=false) }}"), path=F, line=8,
     contains=("stg_countries", "disabled"))
case("sql_duplicate_model_name", "sql", write("models/marts/stg_trades.sql", "select 1 as x\n"),
     path="models/marts/stg_trades.sql", contains=(ST,))
case("sql_model_named_like_seed", "sql", write("models/staging/countries.sql",
                                               "select 1 as x\n"),
     path="models/staging/countries.sql")
case("sql_python_model", "sql", *dbt(write("models/marts/py_model.py",
                                      "def model(dbt, session):\n    return None\n")),
     code=1, path="models/marts/py_model.py")
case("sql_missing_column_in_table_model", "sql",
     on_line(F, 4, "c.country_name", "c.country_nam"), code=1, path=F, line=4,
     contains=("country_nam",))
case("sql_missing_column_in_view_model", "sql", on_line(ST, 5, "amount", "amont"), code=1,
     path=ST, line=5, contains=("amont",))
case("sql_missing_column_in_ephemeral_model", "sql",
     on_line(E, 4, "importer", "importr"), code=1, path=E, line=4, contains=("importr",))
case("sql_conversion_error_at_runtime", "sql",
     on_line(F, 3, "f.importer", "cast(f.importer as integer) as importer"), code=1,
     path=F, line=3)
case("sql_division_by_zero_cast", "sql",
     on_line(F, 6, "sum(f.amount_cents)", "cast(sum(f.amount_cents) / 0.0 as bigint)"),
     code=1, path=F, line=6)
case("sql_unknown_function", "sql", on_line(F, 5, "sum(", "summ("), code=1, path=F, line=5,
     contains=("summ",))
case("sql_group_by_missing", "sql", on_line(F, 10, "group by all", "group by f.exporter"),
     code=1, path=F, line=3)
case("sql_unknown_table_alias", "sql", on_line(F, 4, "c.country_name", "x.country_name"),
     code=1, path=F, line=4)
case("sql_error_in_incremental_branch", "sql",
     on_line(L, 8, "max(traded_on)", "max(traded_date)"), code=1, path=L, line=8,
     contains=("traded_date",))
case("sql_incremental_unique_key_missing_column", "sql",
     on_line(L, 1, "unique_key='trade_id'", "unique_key='trade_key'"), code=1, path=L, line=1,
     contains=("trade_key",))
case("sql_non_utf8_byte", "sql", insert_at(SC, 2, "    -- caf\udce9 au lait"), path=SC, line=2)
case("sql_empty_model", "sql", write(SE, ""), path=SE)
case("sql_comment_only_model", "sql", write(SE, "-- TODO: events\n"), path=SE)
case("sql_config_only_model", "sql", write("models/marts/later.sql",
                                           "{{ config(materialized='table') }}\n"),
     path="models/marts/later.sql")
case("sql_singular_test_syntax_error", "sql", on_line(A, 3, "<= 0", "<="), path=A, line=3)
case("sql_singular_test_missing_column", "sql", on_line(A, 3, "total_amount", "total_amt"),
     code=1, path=A, line=3, contains=("total_amt",))
case("sql_singular_test_ref_typo", "sql", on_line(A, 2, "fct_trade", "fct_trades"),
     path=A, line=2, contains=("fct_trades",))
case("sql_cte_name_typo", "sql",
     write("models/marts/top_flows.sql",
           "with flows as (\n    select * from {{ ref('fct_trade') }}\n)\n"
           "select * from flow\nwhere total_amount > 1\n"),
     path="models/marts/top_flows.sql", line=4, contains=("flow",))

# =========================================================================== Jinja

case("jinja_undefined_variable", "jinja", on_line(SC, 4, "population", "{{ pop_column }}"),
     path=SC, line=4, contains=("pop_column",))
case("jinja_unclosed_expression", "jinja",
     on_line(SC, 5, "{{ ref('countries') }}", "{{ ref('countries') "), path=SC, line=5, column=6)
case("jinja_unclosed_expression_mid_file", "jinja",
     on_line(F, 7, "{{ ref('int_flows') }}", "{{ ref('int_flows') "), path=F, line=7, column=6)
case("jinja_unclosed_statement", "jinja",
     on_line(L, 7, "{% if is_incremental() %}", "{% if is_incremental() "),
     path=L, line=7, column=1)
case("jinja_if_without_endif", "jinja", delete_line(L, 9, "{% endif %}"), path=L, line=7, column=1,
     contains=("endif",))
case("jinja_unknown_filter", "jinja",
     on_line(ST, 8, "{{ var('min_amount') }}", "{{ var('min_amount') | numbr }}"),
     path=ST, line=8, contains=("numbr",))
case("jinja_ref_of_a_number", "jinja", on_line(SC, 5, "ref('countries')", "ref(42)"),
     path=SC, line=5)
case("jinja_list_pop_empty", "jinja", insert_at(SC, 2, "    {{ [].pop() }}"), path=SC, line=2)
case("jinja_division_by_zero", "jinja", on_line(ST, 8, "{{ var('min_amount') }}",
                                                "{{ 1 / 0 }}"), path=ST, line=8)
case("jinja_recursive_macro", "jinja",
     write("macros/loop.sql", "{% macro forever(n) %}\n{{ forever(n + 1) }}\n{% endmacro %}\n"),
     on_line(E, 6, "{{ to_cents('amount') }}", "{{ forever(0) }}"), path="macros/loop.sql",
     line=2)
case("jinja_macro_defined_twice", "jinja",
     write("macros/cents_again.sql", "{% macro to_cents(column) %}\n"
                                     "    round({{ column }} * 100)\n{% endmacro %}\n"),
     path="macros/cents_again.sql", line=1, contains=("to_cents", "macros/cents.sql"))
case("jinja_undefined_macro", "jinja", on_line(E, 6, "to_cents", "to_cent"), path=E, line=6,
     contains=("to_cent",))
case("jinja_macro_too_many_arguments", "jinja",
     on_line(E, 6, "to_cents('amount')", "to_cents('amount', 2)"), path=E, line=6)
case("jinja_undefined_inside_macro", "jinja",
     on_line("macros/cents.sql", 2, "* 100", "* {{ factor }}"), path="macros/cents.sql",
     line=2, contains=("factor",))
case("jinja_syntax_error_in_macro", "jinja",
     on_line("macros/cents.sql", 1, "(column) %}", "(column) }"), path="macros/cents.sql",
     line=1)
case("jinja_macro_without_endmacro", "jinja",
     delete_line("macros/cents.sql", 3, "{% endmacro %}"), path="macros/cents.sql", line=1)
case("jinja_var_without_default", "jinja", on_line(ST, 8, "min_amount", "max_amount"),
     path=ST, line=8, contains=("max_amount",))
case("jinja_env_var_unset", "jinja",
     on_line(ST, 8, "{{ var('min_amount') }}", "{{ env_var('WAREHOUSE_CORPUS_UNSET') }}"),
     path=ST, line=8, contains=("WAREHOUSE_CORPUS_UNSET",),
     env={"WAREHOUSE_CORPUS_UNSET": None})
case("jinja_config_positional_argument", "jinja",
     on_line(L, 1, "config(materialized=", "config('incremental', materialized="),
     path=L, line=1, contains=("config",))
case("jinja_call_statement_bad_sql", "jinja",
     insert_at(SC, 1, "{% call statement('rows', fetch_result=True) %}selec 1"
                      "{% endcall %}"), code=1, path=SC, line=1, contains=("selec",))
case("jinja_adapter_unknown_method", "jinja",
     insert_at(SC, 1, "{% set rel = adapter.get_relashun(this.database, 'x', 'y') %}"),
     path=SC, line=1, contains=("get_relashun",))
case("jinja_run_query_missing_table", "jinja",
     insert_at(SC, 1, "{% set rows = run_query('select * from no_such_table') %}"), code=1,
     path=SC, line=1, contains=("no_such_table",))
case("jinja_package_macro", "jinja",
     on_line(SC, 1, "select", "select {{ dbt_utils.star(ref('countries')) }},"),
     path=SC, line=1, contains=("dbt_utils",))
case("jinja_raise_compiler_error", "jinja",
     insert_at(L, 2, "{{ exceptions.raise_compiler_error('trade_log needs a cutoff') }}"),
     path=L, line=2, contains=("trade_log needs a cutoff",))
case("jinja_doc_unknown_block_in_model", "jinja",
     insert_at(SC, 1, "-- {{ doc('countries_doc') }}"), path=SC, line=1,
     contains=("countries_doc",))
case("jinja_for_over_integer", "jinja",
     insert_at(SC, 2, "    {% for c in 5 %}{{ c }},{% endfor %}"), path=SC, line=2)
case("jinja_string_plus_int", "jinja", insert_at(SC, 2, "    {{ 'x' + 1 }} as x,"),
     path=SC, line=2)
case("jinja_include_missing_template", "jinja",
     insert_at(SC, 5, "{% include 'models/common/filter.sql' %}"), path=SC, line=5,
     contains=("models/common/filter.sql",))
case("jinja_unclosed_raw", "jinja", insert_at(SC, 1, "{% raw %}"), path=SC, line=1)
case("jinja_source_one_argument", "jinja",
     on_line(SE, 5, "source('raw', 'events')", "source('raw')"), path=SE, line=5)
case("jinja_ref_with_version", "jinja",
     on_line(SC, 5, "ref('countries')", "ref('countries', version=2)"), path=SC, line=5)
case("jinja_snapshot_block", "jinja",
     write("models/marts/snap.sql", "{% snapshot trade_snap %}\nselect 1 as id\n"
                                    "{% endsnapshot %}\n"), path="models/marts/snap.sql", line=1)
case("jinja_materialization_block", "jinja",
     write("macros/mat.sql", "\n{% materialization lakehouse, default %}\n"
                             "{% endmaterialization %}\n"), path="macros/mat.sql", line=2)
case("jinja_undefined_attribute_of_this", "jinja",
     insert_at(L, 2, "-- {{ this.owner.name }}"), path=L, line=2)

# =========================================================================== configuration

P, D, PR = "pyproject.toml", "dbt_project.yml", "profiles.yml"


def _no_clean_damage(root: Path) -> None:
    for rel in ("pyproject.toml", "models/staging/stg_trades.sql", "seeds/countries.csv",
                "macros/cents.sql"):
        assert (root / rel).is_file(), f"{rel} was deleted"


case("config_unknown_key", "config", on_line(P, 3, "threads", "thread"), path=P, line=3,
     contains=("thread",))
case("config_threads_zero", "config", on_line(P, 3, "2", "0"), path=P, line=3)
case("config_threads_negative", "config", on_line(P, 3, "2", "-1"), path=P, line=3)
case("config_threads_string", "config", on_line(P, 3, "2", '"four"'), path=P, line=3,
     contains=("four",))
case("config_invalid_toml_missing_value", "config", on_line(P, 3, "2", ""), path=P, line=3)
case("config_invalid_toml_unclosed_string", "config", on_line(P, 2, '"trade"', '"trade'),
     path=P, line=2)
case("config_duplicate_toml_key", "config", insert_at(P, 4, "threads = 4"), path=P, line=4)
case("config_no_tool_warehouse_table", "config",
     write(P, "[tool.black]\nline-length = 100\n"), path=P, contains=("[tool.warehouse]",))
case("config_database_is_a_directory", "config",
     insert_at(P, 3, 'database = "data"'), path=P, line=3,
     setup=lambda root: (root / "data").mkdir())
case("config_database_is_the_project_folder", "config",
     insert_at(P, 3, 'database = ""'), path=P, line=3)
case("config_target_path_is_a_file", "config",
     insert_at(P, 3, 'target_path = "README.md"'), path=P, line=3,
     setup=lambda root: (root / "README.md").write_text("# trade\n"))
case("config_target_path_is_the_project_root_clean", "config",
     insert_at(P, 3, 'target_path = "."'), argv=("clean",), path=P, line=3,
     check=_no_clean_damage)
case("config_target_path_empty_clean", "config",
     insert_at(P, 3, 'target_path = ""'), argv=("clean",), path=P, line=3,
     check=_no_clean_damage)
case("config_target_path_is_a_file_clean", "config",
     insert_at(P, 3, 'target_path = "README.md"'), argv=("clean",), path=P, line=3,
     setup=lambda root: (root / "README.md").write_text("# trade\n"),
     check=lambda root: (root / "README.md").is_file() or (_ for _ in ()).throw(
         AssertionError("README.md was deleted")))
case("config_unknown_materialization_folder", "config",
     on_line(P, 16, '"table"', '"tabel"'), path=P, line=16, contains=("tabel",))
case("config_unknown_materialization_model", "config",
     on_line(L, 1, "materialized='incremental'", "materialized='incremntal'"),
     code=1, path=L, line=1, contains=("incremntal",))
case("config_incremental_strategy_unknown", "config",
     on_line(L, 1, "unique_key='trade_id'", "unique_key='trade_id', incremental_strategy="
                                            "'upsert'"), code=1, path=L, line=1,
     contains=("upsert",))
case("config_merge_without_unique_key", "config",
     on_line(L, 1, "unique_key='trade_id'", "incremental_strategy='merge'"),
     path=L, line=1, contains=("unique_key",))
case("config_vars_table_misspelt", "config",
     on_line(P, 5, "[tool.warehouse.vars]", "[tool.warehouse.variables]"), path=P, line=5)
case("config_model_paths_not_a_list", "config", insert_at(P, 3, "model_paths = 3"),
     path=P, line=3)
case("config_vars_option_not_a_mapping", "config", argv=("build", "--vars", "[1, 2]"),
     contains=("--vars",))
case("config_vars_option_bad_yaml", "config", argv=("build", "--vars", "{min_amount: [}"),
     contains=("--vars",))
case("dbt_project_without_name", "config", *dbt(delete_line(D, 1, "name: trade")),
     path=D, contains=("name",))
case("dbt_project_unknown_key", "config", *dbt(on_line(D, 4, "model-paths", "modle-paths")),
     path=D, line=4, contains=("modle-paths",))
case("dbt_project_refused_key", "config",
     *dbt(insert_at(D, 4, "sources: {trade: {+enabled: false}}")),
     path=D, line=4, contains=("sources",))
case("dbt_project_profile_not_found", "config", *dbt(on_line(D, 2, "trade", "trade_prod")),
     path=D, line=2, contains=("trade_prod",))
case("dbt_project_invalid_yaml", "config", *dbt(on_line(D, 4, '["models"]', '["models"')),
     path=D, line=4)
case("dbt_project_unknown_materialization", "config",
     *dbt(on_line(D, 15, "table", "tabel")), code=1, path=D, line=15, contains=("tabel",))
case("dbt_profile_not_duckdb", "config", *dbt(on_line(PR, 5, "duckdb", "postgres")),
     absolute_ok=True, path=PR, line=5, contains=("postgres",))
case("dbt_profile_target_missing", "config", *dbt(on_line(PR, 2, "dev", "prod")),
     absolute_ok=True, path=PR, line=2, contains=("prod",))
case("dbt_profile_memory_refused", "config",
     *dbt(on_line(PR, 6, "warehouse.duckdb", "':memory:'")), absolute_ok=True, path=PR, line=6,
     contains=(":memory:",))

# =========================================================================== command line

case("cli_unknown_command", "cli", argv=("biuld",), contains=("biuld",))
case("cli_unknown_option", "cli", argv=("build", "--fast"), contains=("--fast",))
case("cli_unknown_resource_type", "cli", argv=("ls", "--resource-type", "table"),
     contains=("table",))
case("cli_select_empty_method", "cli", argv=("build", "--select", "tag:"), contains=("tag:",))
case("cli_select_unknown_method", "cli", argv=("ls", "--select", "colour:red"),
     contains=("colour",))
case("cli_select_double_plus", "cli", argv=("build", "--select", "stg_trades++"),
     contains=("stg_trades++",))
case("cli_select_bare_at", "cli", argv=("run", "--select", "@"), contains=("@",))
case("cli_exclude_bad_syntax", "cli", argv=("build", "--exclude", "config.:table"),
     contains=("config.",))
case("cli_threads_zero", "cli", argv=("build", "--threads", "0"), contains=("--threads",))
case("cli_threads_negative", "cli", argv=("run", "--threads", "-2"), contains=("--threads",))
case("cli_threads_word", "cli", argv=("build", "--threads", "four"), contains=("four",))
case("cli_docs_port_too_large", "cli", argv=("docs", "--serve", "--port", "70000"),
     contains=("70000",))
case("cli_docs_port_negative", "cli", argv=("docs", "--serve", "--port", "-1"),
     contains=("-1",))
case("cli_lineage_unknown_model", "cli", argv=("lineage", "stg_trade"),
     contains=("stg_trade", "stg_trades"))
case("cli_lineage_unknown_column", "cli", argv=("lineage", "stg_trades.amont"),
     contains=("amont",))
case("cli_export_parquet_to_a_file", "cli", argv=("export", "--parquet", "{root}/README.md"),
     setup=lambda root: (root / "README.md").write_text("# trade\n"),
     contains=("README.md",))
case("cli_publish_not_a_url", "cli", argv=("publish", "--postgres", "not-a-url"),
     contains=("PostgreSQL URL",))
case("cli_test_before_any_build", "cli", argv=("test",), fresh=True, code=2,
     contains=("build",))
case("cli_project_dir_missing", "cli", argv=("build", "--project-dir", "{root}/nowhere"),
     contains=("nowhere",))
case("cli_project_dir_is_a_file", "cli", argv=("ls", "--project-dir", "{root}/pyproject.toml"),
     contains=("pyproject.toml",))
case("cli_project_dir_without_project", "cli", argv=("build", "--project-dir", "{root}/models"),
     contains=("models",))
