"""Complaints and tip-offs (Art. 54, 59; categories under Art. 5, 15, 54, 57, 65): the flow is
in `flow` (its docstring lists the answers a submission holds), its lifecycle in `lifecycle`."""
