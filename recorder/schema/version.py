"""The schema version this code writes: how many migrations ``recorder.schema.migrations`` has.

Kept apart from the migrations so that the hook sees with one read of ``PRAGMA
user_version`` that a database needs none, without importing them. Add one here with
every new migration (tests/test_schema.py checks that the two agree).
"""

LATEST = 39
