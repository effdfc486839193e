"""One package per channel (a Telegram runtime, the local chat); no channel imports another."""
