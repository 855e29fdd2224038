-- Before plan 2: 20 random rows into 0.0 (copied by the view) and 20 into 0.1.
SELECT count() = 40 FROM events_0_1;
SELECT count() = 0 FROM system.tables WHERE database = currentDatabase() AND name IN ('events_0_0', 'mv_events_to_0_1');
