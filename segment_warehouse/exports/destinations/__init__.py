"""Where exports go: files (`file`), a PostgreSQL table (`postgres`), an audience API (`webhook`)."""
