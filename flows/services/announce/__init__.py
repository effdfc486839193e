"""Policy announcements composed by service commissioners (Art. 9, 11)."""
