INSERT INTO events_0_0 VALUES ('late-1', 'a', '2024-01-01 00:00:00');
