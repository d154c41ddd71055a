"""Stand-ins for dbt's cross-database macros, rendering DuckDB SQL (lint only)."""


def type_string() -> str:
    return "varchar"


def type_float() -> str:
    return "double"


def type_bigint() -> str:
    return "bigint"


def type_int() -> str:
    return "integer"


def type_boolean() -> str:
    return "boolean"


def type_timestamp() -> str:
    return "timestamp"


def safe_cast(field: str, type: str) -> str:
    return f"try_cast({field} as {type})"


def concat(fields: list[str]) -> str:
    return " || ".join(fields)


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    return f"date_diff('{datepart}', {first_date}, {second_date})"
