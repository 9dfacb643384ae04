-- No trigger is deferred any more (in the transaction that restores them).
DELETE FROM deferred_triggers;
