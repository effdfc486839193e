"""The core every channel shares: the conversation service, rendering, languages, notices, the
staff desk, and the channel protocol. It imports no Telegram library."""
