"""Booked visits: changing and cancelling them, reminder links, messages about them, timed jobs, the waitlist,
the day's schedule."""
