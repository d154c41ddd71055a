"""A local, deterministic imitation of the social-media APIs the warehouse extracts from.

It serves the demo company Lumo Strollers in each platform's real wire format, so ``make demo``
and the test suite run the real extractors against it, and it exposes the ground truth the
warehouse must end up with. See ``demo/README.md``.
"""
