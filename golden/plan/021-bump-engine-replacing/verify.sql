SELECT count() = 19 FROM users_0_1;
SELECT email = 'new@x' FROM users_0_1 WHERE id = 'dup';
SELECT engine = 'ReplacingMergeTree' FROM system.tables WHERE database = currentDatabase() AND name = 'users_0_1';
