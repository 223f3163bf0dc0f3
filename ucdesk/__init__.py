"""ucdesk: a unified-communications desk for sales and support agents."""

__version__ = "0.1.0"
