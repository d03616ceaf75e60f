"""The front-desk terminal app (Textual): today's schedule and a patient search. Start it with ``portal tui``."""
