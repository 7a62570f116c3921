"""Evaluation: golden sets, metrics and reports (see issue 5)."""
