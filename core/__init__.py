"""The ground floor: settings and paths, the company config, the campaign registry, the registry of
sources and streams, the DuckDB connection and safe text. It imports no other package."""
