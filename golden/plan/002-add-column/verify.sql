-- Rows written before the change read the defaults.
SELECT countIf(status = 'new' AND priority = 1) = count() AND count() > 0 FROM events;
INSERT INTO events (id, name, created_at) VALUES (424242, 'late', now());
SELECT status = 'new' AND priority = 1 FROM events WHERE id = 424242;
