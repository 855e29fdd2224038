SELECT count() = 20 FROM users_0_1;
SELECT count() = 0 FROM users_0_1 WHERE user_id IS NULL;
