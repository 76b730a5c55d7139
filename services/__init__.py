"""Use cases: what pages, jobs and the HTTP API do, each a function over a session and plain data."""
