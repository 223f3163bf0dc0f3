"""The vocabulary of ucdesk: frozen values and events. No I/O, no Qt, no database."""
