"""Rule-based checker of requests and IMR letters against the California MTUS criteria."""

__version__ = "0.1.0"
