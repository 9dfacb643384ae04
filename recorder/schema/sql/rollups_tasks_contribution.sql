-- A row's parts (a signed row of rollups_parts) added to a tasks rollup ({table}:
-- rollup_tasks_daily, or an all-projects twin). A template: {row} is that row, {match} the
-- equality of the table's key with the row's, {keys} the key columns and {values} the row's
-- values for them, {counts} the counted columns, {adds} each counted column plus the row's
-- part of it and {parts} the row's parts; filled in by recorder.schema.rollups to make the
-- body of rollups_parts' trigger. Not run on its own. The rollup row a taking away leaves
-- at zero goes.
UPDATE {table} SET {adds} WHERE {match};
INSERT INTO {table}({keys}, {counts}) SELECT {values}, {parts} WHERE changes() = 0;
DELETE FROM {table} WHERE {row}.tasks < 0 AND tasks = 0 AND {match};
