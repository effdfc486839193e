"""Complaint filing (Art. 54, 59, 15, 57, 65, 5, 10)."""
