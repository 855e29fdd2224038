SELECT count() = 21 FROM events_0_1;
SELECT count() = 21 FROM events_0_1 WHERE source = 'legacy';
