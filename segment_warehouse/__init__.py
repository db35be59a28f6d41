"""Segment warehouse: the Python side of the dbt project (CLI, generator, ingest, exports, serving)."""
