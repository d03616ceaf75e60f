"""The clinic itself: what it offers (catalogue), its settings, and setting it up from a clinic file."""
