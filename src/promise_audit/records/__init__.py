"""Sources -> canonical contact records, with the accounting of every input record."""
