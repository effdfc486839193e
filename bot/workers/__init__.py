"""Background workers: the outbox (deliveries to agencies)."""
