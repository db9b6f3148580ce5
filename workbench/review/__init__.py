"""Clinician review of a comparison run: blinded pairwise and Likert tasks, their answers, and what they show."""
