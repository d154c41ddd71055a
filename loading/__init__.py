"""Land to raw: landed partitions and the company config into the DuckDB raw tables."""
