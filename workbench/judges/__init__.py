"""Judges: a guard model's verdict on each output, and the statistics of those verdicts."""
