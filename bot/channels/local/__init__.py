"""The local chat in a terminal."""
