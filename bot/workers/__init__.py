"""Background workers: the outbox (deliveries to agencies) and timed events."""
