"""Plugins: the manager, the cache of installed plugins, the calls and the built-ins."""
