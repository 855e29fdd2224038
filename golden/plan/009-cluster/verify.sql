INSERT INTO events (id, name, updated_at) VALUES (1, 'x', '2098-03-04 05:06:07'), (2, 'y', '2098-03-04 07:00:00');
SELECT sum(n) >= 2 FROM events_daily WHERE day = '2098-03-04';
SELECT count() = 2 FROM events WHERE id IN (1, 2) AND source = 'web';
