"""Booking a visit: open times and holds, the SMS phone check, the card step, the checkout, and what follows
every new booking."""
