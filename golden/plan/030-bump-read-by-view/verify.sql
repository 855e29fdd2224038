SELECT count() = 20 FROM events_0_1;
SELECT (SELECT count() FROM recent_events) = (SELECT countIf(created_at > '2000-01-01 00:00:00') FROM events_0_1);
SELECT create_table_query LIKE '%events\_0\_1%' FROM system.tables WHERE database = currentDatabase() AND name = 'recent_events';
