-- Before plan 2 (tables filled in name order, 20 random rows each): events_0_0 20 + 20 from
-- raw_events = 40; events_daily 20 from events_0_0 + 20 of its own + 20 via raw_events = 60.
-- Then 3 rows into raw_events after the plan: through both views.
SELECT count() = 23 FROM raw_events;
SELECT count() = 43 FROM events_0_1;
SELECT count() = 63 FROM events_daily;
SELECT count() = 3 FROM events_daily WHERE id LIKE 'late-%';
