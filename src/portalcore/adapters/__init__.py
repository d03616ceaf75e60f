"""Adapters: one implementation of a port per backend, each named after it (SQL, SMTP, Twilio, Stripe…)."""
