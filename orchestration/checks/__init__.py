"""Asset checks: Great Expectations suites (landing, outputs) and landing freshness."""
