"""The clinic's home page and its public catalogue API."""
