"""Durable workflows: the research-analysis engine and its runtime, workflows/main."""
