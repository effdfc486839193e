"""Telegram on aiogram 3."""
