"""`make bench`: the figures of issue 5, measured on this machine (`python -m bench`)."""
