"""The shell: the registry of services, the menu and screens around them, and the conversation
router that hands each event to the right service."""
