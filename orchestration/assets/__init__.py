"""Assets of the code location: landing ingest, dbt models, exports, publish."""
