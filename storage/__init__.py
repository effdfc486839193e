"""Redis persistence: founder state (drafts, profile, preferences), revisioned JSON. Knows no Telegram."""
