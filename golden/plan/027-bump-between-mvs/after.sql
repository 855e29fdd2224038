INSERT INTO raw_events VALUES ('late-1', '2024-01-01 00:00:00'), ('late-2', '2024-01-02 00:00:00'), ('late-3', '2024-01-03 00:00:00');
