"""Startup subsidy applications (Art. 36-38)."""
