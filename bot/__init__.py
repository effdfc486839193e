"""Channels and processes: Telegram runtime, local chat, rendering, i18n wiring, settings."""
