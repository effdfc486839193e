"""The services a founder can use, one module or package each. A service imports only the
engine and the policy data, never another service: shared pieces move down."""
