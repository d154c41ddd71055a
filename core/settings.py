"""Where the warehouse keeps its state on disk.

Everything the pipeline writes lives under one data directory so that a deployment can mount,
back up or wipe it as a unit. Each path can be moved with an environment variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Paths:
    """Resolved locations of the landing zone, the live warehouse and its published copy."""

    data_dir: Path

    @property
    def landing(self) -> Path:
        return self.data_dir / "landing"

    @property
    def warehouse(self) -> Path:
        override = os.environ.get("WAREHOUSE_DUCKDB_PATH")
        return Path(override) if override else self.data_dir / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.data_dir / "published" / "warehouse.duckdb"

    @property
    def published_data_docs(self) -> Path:
        """The Great Expectations Data Docs site, copied here after every run's checks."""
        return self.data_dir / "published" / "data_docs"

    @property
    def published_dbt_docs(self) -> Path:
        """dbt's documentation site (one static page), regenerated after every publication."""
        return self.data_dir / "published" / "dbt_docs"

    @property
    def published_reports(self) -> Path:
        """The monthly reports' archive: one folder per month (HTML, charts, CSVs, the email)."""
        return self.data_dir / "published" / "reports"

    @property
    def gx(self) -> Path:
        return self.data_dir / "gx"

    @property
    def scratch(self) -> Path:
        """The steps' temporary folders (dbt's targets), each with a fixed name, removed after use."""
        return self.data_dir / "tmp"


def paths() -> Paths:
    """Paths for this process, honouring ``WAREHOUSE_DATA_DIR``."""
    return Paths(Path(os.environ.get("WAREHOUSE_DATA_DIR", PROJECT_ROOT / "data")).resolve())


SHIPPED_COMPANY_CONFIG = PROJECT_ROOT / "config" / "company.yml"
SHIPPED_CAMPAIGNS = PROJECT_ROOT / "config" / "campaigns.yml"


def company_config_path() -> Path:
    """The company configuration file, honouring ``WAREHOUSE_COMPANY_CONFIG``."""
    return Path(os.environ.get("WAREHOUSE_COMPANY_CONFIG", SHIPPED_COMPANY_CONFIG))


def duckdb_settings() -> dict[str, str]:
    """DuckDB settings for the warehouse's connections: ``memory_limit`` from
    ``WAREHOUSE_DUCKDB_MEMORY_LIMIT`` (e.g. ``6GiB``) when set; dbt's profile reads the same."""
    limit = os.environ.get("WAREHOUSE_DUCKDB_MEMORY_LIMIT", "").strip()
    return {"memory_limit": limit} if limit else {}


def campaigns_path() -> Path:
    """The campaign registry file, honouring ``WAREHOUSE_CAMPAIGNS``."""
    return Path(os.environ.get("WAREHOUSE_CAMPAIGNS", "").strip() or SHIPPED_CAMPAIGNS)


def campaigns_configured() -> bool:
    """Whether a campaign registry applies: ``WAREHOUSE_CAMPAIGNS`` is set, or the company is the
    shipped demo company (``config/company.yml``), whose registry is ``config/campaigns.yml``.

    A company of one's own (``WAREHOUSE_COMPANY_CONFIG`` naming another file) starts with no
    campaigns until ``WAREHOUSE_CAMPAIGNS`` names its registry: the demo company's campaigns are
    never loaded into another company's warehouse.
    """
    if os.environ.get("WAREHOUSE_CAMPAIGNS", "").strip():
        return True
    return company_config_path().resolve() == SHIPPED_COMPANY_CONFIG.resolve()


def dbt_selection() -> str | None:
    """The dbt selection ``WAREHOUSE_DBT_SELECT`` narrows the transform to, or None for the whole
    project (production). For tests and development: the checks then cover only the marts it
    built, and a mart it leaves out is not current in the snapshot (held back at its last
    published version, or absent from a new warehouse)."""
    return os.environ.get("WAREHOUSE_DBT_SELECT", "").strip() or None


def pinned_today() -> date | None:
    """The date ``WAREHOUSE_TODAY`` pins the pipeline's clock to, or None on the real clock.

    Production leaves it unset. The demo and the tests set it so that a run reproduces the same
    warehouse whatever the real date (snapshots filed under "yesterday", X's and Reddit's search
    windows, "no partition in the future", the report's current month all follow it).
    """
    raw = os.environ.get("WAREHOUSE_TODAY", "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"WAREHOUSE_TODAY={raw!r} is not a date: give YYYY-MM-DD, or unset it") from None


def utc_now() -> datetime:
    """The pipeline's clock: the real time, or 00:00 UTC of the pinned ``WAREHOUSE_TODAY``
    (the instant the demo server with a fixed today lives at)."""
    pinned = pinned_today()
    if pinned is None:
        return datetime.now(UTC)
    return datetime(pinned.year, pinned.month, pinned.day, tzinfo=UTC)


def utc_today() -> date:
    """Today's UTC date on the pipeline's clock."""
    return utc_now().date()


DATA_DOCS_KEEP_RUNS = 30


def data_docs_keep_runs() -> int:
    """How many pipeline runs the Data Docs keep (``WAREHOUSE_DATA_DOCS_KEEP_RUNS``, default 30):
    each check run prunes the validation results and pages of older runs. A run of every suite
    takes about 3 MB of pages and 1.3 MB of results, so the default bounds the site near 100 MB."""
    raw = os.environ.get("WAREHOUSE_DATA_DOCS_KEEP_RUNS", "").strip()
    if not raw:
        return DATA_DOCS_KEEP_RUNS
    try:
        keep = int(raw)
    except ValueError:
        keep = 0
    if keep < 1:
        raise ValueError(f"WAREHOUSE_DATA_DOCS_KEEP_RUNS={raw!r} is not a whole number of runs of at least 1")
    return keep


WRITER_WAIT_SECONDS = 60.0


def writer_wait_seconds() -> float:
    """How long opening the live warehouse for writing waits while another process holds it
    (``WAREHOUSE_WRITER_WAIT_SECONDS``, default 60; 0 fails at once). A manual load then waits
    for a scheduled step to finish instead of failing; a writer still busy after that fails with
    ``WarehouseBusy``."""
    raw = os.environ.get("WAREHOUSE_WRITER_WAIT_SECONDS", "").strip()
    if not raw:
        return WRITER_WAIT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86_400:
        raise ValueError(f"WAREHOUSE_WRITER_WAIT_SECONDS={raw!r} is not a number of seconds from 0 to 86400")
    return seconds
