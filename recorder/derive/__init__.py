"""Derivation: the one place where kept events become rows of the tables."""
