"""portalcore: the rules, use cases and adapters behind the patient portal.

Frontends (``portal_cli``, ``portal_tui``, ``portal_web``) build a :class:`portalcore.bootstrap.Portal`
with :func:`portalcore.bootstrap.build_portal` and call its services; every rule lives here once.
"""
