"""The ground of the REST API under /api/v1/: one error shape, bounded pages, throttles, tokens."""
