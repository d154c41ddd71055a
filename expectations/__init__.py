"""Data checks (Great Expectations Core) run between the dbt build and publishing.

The suites are defined in ``expectations.suites``; ``expectations.runner.run_checks`` validates a
run window and writes ``audit.check_results``; ``python -m expectations`` runs them by hand.
Importing this package is cheap: GX is only imported with those modules.
"""

import os

# GX reads this before a data context exists; the runner also switches analytics off in the
# context's own configuration.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
