"""Data: the registered offline sources, splits with no leakage, cleaning and deduplication."""
