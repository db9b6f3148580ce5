"""Judges: a guard model's verdict on each output, rubric grading and pairwise comparison by a local judge model,
juries of several judges, and the statistics of their verdicts and agreement."""
