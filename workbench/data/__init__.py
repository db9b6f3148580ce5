"""Cases and evaluation sets (load, validate, import, hash), prompt versions and predictions; the shipped sets and prompts are package data under ``shipped/``."""
