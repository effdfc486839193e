"""Telegram (aiogram 3) adapter: a thin layer over the channel-neutral conversation service."""
