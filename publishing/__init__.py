"""Publishing: the snapshot BI reads, and what a run's checks mean for it."""
