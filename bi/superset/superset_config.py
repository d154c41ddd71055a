"""Superset's configuration for the warehouse's BI: loaded by Superset through
``SUPERSET_CONFIG_PATH`` (``make superset`` and the compose service set it), never imported by the
pipeline.

Secrets come from the environment only: ``SUPERSET_SECRET_KEY`` signs sessions and encrypts the
stored connection parameters; Superset refuses to start without it rather than run on a default.
The metadata database (users, charts, dashboards) is SQLite under the data directory unless
``SUPERSET_DATABASE_URI`` names another (PostgreSQL in production).
"""

from __future__ import annotations

import os
from pathlib import Path

_secret = os.environ.get("SUPERSET_SECRET_KEY", "")
if len(_secret) < 32:
    raise RuntimeError(
        "SUPERSET_SECRET_KEY is not set (or shorter than 32 characters): set it in the environment, "
        "e.g. `export SUPERSET_SECRET_KEY=$(openssl rand -base64 42)`; keep the same key across "
        "restarts, it encrypts the stored database connections"
    )
SECRET_KEY = _secret

# Superset's own state: the SQLite metadata database and uploads, under the warehouse's data dir.
DATA_DIR = os.environ.get("SUPERSET_HOME") or str(
    Path(os.environ.get("WAREHOUSE_DATA_DIR", "data")).resolve() / "superset"
)
Path(DATA_DIR).mkdir(parents=True, exist_ok=True)
SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_DATABASE_URI") or (
    f"sqlite:///{Path(DATA_DIR) / 'superset.db'}?check_same_thread=false"
)

# No result cache: a chart reads the published snapshot as it is now, so a new publication shows
# at the next refresh (each query opens the file anew: Superset's engines use no pool).
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}

# No usage telemetry, no example data, no uploads into the (read-only) warehouse.
SCARF_ANALYTICS = False
ALLOW_FILE_UPLOAD = False
SUPERSET_WEBSERVER_PORT = int(os.environ.get("SUPERSET_PORT", "8088"))
ROW_LIMIT = 10000
