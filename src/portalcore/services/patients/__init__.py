"""Finding and adding patients (front desk and admin)."""
