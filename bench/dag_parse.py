"""How long each DAG file takes to import, as Airflow's DAG processor would pay it.

Airflow itself (``airflow.sdk``) is imported once first, as in the DAG processor; then each file
is executed ``--repeat`` times with ``runpy`` and the median and worst times are printed. The
budget is 0.5 s per file. No DAG file reads the dbt project when parsed.

    python -m bench.dag_parse --repeat 5
"""

from __future__ import annotations

import argparse
import runpy
import statistics
import sys
import time

from core.logs import quiet_noisy_loggers
from core.settings import PROJECT_ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    began = time.perf_counter()
    import airflow.sdk  # noqa: F401  (the processor has Airflow loaded before it parses files)

    print(f"import airflow.sdk (paid once per process): {time.perf_counter() - began:.2f} s")
    quiet_noisy_loggers()
    for path in sorted((PROJECT_ROOT / "dags").glob("*.py")):
        timings = []
        for _ in range(args.repeat):
            for name in [m for m in sys.modules if m.startswith("unusual_prefix")]:
                del sys.modules[name]
            start = time.perf_counter()
            runpy.run_path(str(path), run_name="unusual_prefix_dag")
            timings.append(time.perf_counter() - start)
        first, rest = timings[0], timings[1:] or timings
        print(
            f"{path.name:<32} first {first * 1000:7.0f} ms   "
            f"median of the rest {statistics.median(rest) * 1000:6.0f} ms   max {max(timings) * 1000:6.0f} ms"
        )


if __name__ == "__main__":
    main()
