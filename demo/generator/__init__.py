"""Deterministic demo data, one module per platform, with the ground truth tests check against.

Pure Python with no HTTP: the server in ``demo.platforms`` renders these values in each
platform's wire format, and tests import the truth functions directly.
"""
