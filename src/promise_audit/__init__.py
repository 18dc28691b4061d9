"""promise-audit: check published customer-service promises against contact records."""

__version__ = "0.1.0"
