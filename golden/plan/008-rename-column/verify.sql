SELECT sum(n) = (SELECT count() FROM sessions) FROM sessions_per_user;
SELECT countIf(user_id != 0) > 0 FROM sessions;
