"""``portal``: the admin command line (set up the clinic, serve the portal, run the worker)."""
