"""Sign-in, sign-up, invitations, passwords, second factors, proxies and the sign-in email."""
