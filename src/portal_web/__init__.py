"""The web frontend: the online booking pages and a small JSON API, both only calling portal services."""

from portal_web.app import create_app

__all__ = ["create_app"]
