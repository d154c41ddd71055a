"""Jinja context for sqlfluff's jinja templater (lint only; see ../README.md)."""
