"""Agency hand-off: form bundles built from submissions, delivered through the outbox by the
worker over each agency's transport, and statuses coming back."""
