"""The booking pages and API: cart, provider, times, checkout and confirmation."""
