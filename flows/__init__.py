"""Conversations as data: flow specs, the engine that walks them, validators and policy data.

Pure: no I/O, no Telegram, no Redis. Imports only the standard library and `transitions`.
"""
