INSERT INTO users_0_1 VALUES ('dup', 'old@x', '2024-01-01 00:00:00');
INSERT INTO users_0_1 VALUES ('dup', 'new@x', '2024-02-01 00:00:00');
OPTIMIZE TABLE users_0_1 FINAL;
