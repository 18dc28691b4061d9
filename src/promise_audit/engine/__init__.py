"""Compile promises to SQL (`plan`) and run the plan in DuckDB (`run`)."""
