-- Statements run after plan 2, in the scenario's database. Every SELECT must return 1.
INSERT INTO page_views (user_id, url, country, duration_ms, viewed_at) VALUES (1, 'https://a.example/x', 'FR', 10, '2024-05-01 10:00:00'), (2, 'https://a.example/y', 'FR', 30, '2024-05-01 11:00:00');
SELECT count() = 1 FROM page_views_daily WHERE day = '2024-05-01' AND country = 'FR' AND views = 2;
SELECT sum(views) = 2 AND sum(duration_ms) = 40 FROM country_totals WHERE country = 'FR';
SELECT views = 2 AND users = 2 FROM top_countries WHERE country = 'FR';
SELECT path = '/x' FROM page_views WHERE user_id = 1;
INSERT INTO users (user_id, email, updated_at) VALUES (7, 'a@b.c', '2024-01-01 00:00:00.000');
SELECT plan = 'free' AND balance = 0 FROM users WHERE user_id = 7;
