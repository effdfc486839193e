"""Telegram on python-telegram-bot 22."""
