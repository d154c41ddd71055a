"""The dbt build: running dbt, its lineage, and the sentiment scorer its Python model calls."""
