"""Product rules several features share: optimistic locking, exercise suggestions, link tokens."""
