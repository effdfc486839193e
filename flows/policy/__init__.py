"""Policy data: the packaged policy file, its schema and loader, the SME size standard, the
subsidy programmes and who is eligible. Imports only the engine."""
