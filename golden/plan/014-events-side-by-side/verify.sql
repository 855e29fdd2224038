-- 20 random rows before the plan (backfilled), 3 after it (through the view).
SELECT count() = 23 FROM events_0_0;
SELECT count() = 23 FROM events_0_1;
SELECT count() = 3 FROM events_0_1 WHERE id LIKE 'late-%';
SELECT count() = 0 FROM (SELECT id, name, created_at FROM events_0_0 EXCEPT SELECT id, name, created_at FROM events_0_1);
SELECT sorting_key = 'id, created_at' FROM system.tables WHERE database = currentDatabase() AND name = 'events_0_1';
