"""Getting into the portal and acting in it: invitations, sign-in and its codes, second factors, passwords and
emails, proxies, and the one door to medical data."""
