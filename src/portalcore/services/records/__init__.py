"""What a patient reads of their own record in the portal."""
