"""Builders of the shipped synthetic evaluation sets (see ../build_sets.py)."""
