"""Logging helpers shared by the command-line entry points and the tests."""

from __future__ import annotations

import logging

NOISY = ("great_expectations", "airflow", "dbt", "urllib3", "uvicorn", "httpx", "sqlalchemy")


def quiet_noisy_loggers(level: int = logging.WARNING) -> None:
    """GX, Airflow and dbt log chatter at import time; keep our own output readable."""
    for name in NOISY:
        logging.getLogger(name).setLevel(level)
