"""The ground floor: settings and paths, the company config, the campaign registry, the DuckDB connection."""
