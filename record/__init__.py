"""The run record: ``audit.check_results``, one row per check of a run, whatever ran it."""
