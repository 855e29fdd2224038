-- Written to the old version after the plan: the migration view carries them over.
INSERT INTO events_0_0 VALUES ('late-1', 'a', '2024-01-01 00:00:00'), ('late-2', 'b', '2024-01-02 00:00:00'), ('late-3', 'c', '2024-01-03 00:00:00');
