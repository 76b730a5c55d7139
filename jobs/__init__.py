"""Command lines and scheduled work: thin wrappers that parse arguments and call services."""
