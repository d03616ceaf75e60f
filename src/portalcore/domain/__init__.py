"""Domain types and pure rules. Imports only the standard library and attrs; no I/O, no clock reads."""
