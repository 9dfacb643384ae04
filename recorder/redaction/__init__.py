"""Redaction: the built-in secret patterns, the user's pattern file, applied as configured."""
