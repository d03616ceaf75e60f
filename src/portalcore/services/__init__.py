"""Use cases. Each opens a unit of work, loads, calls the domain, writes outbox rows, commits."""
