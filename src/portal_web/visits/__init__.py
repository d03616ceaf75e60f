"""Changing a booked visit from the portal or a reminder link, and the waitlist."""
