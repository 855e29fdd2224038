SELECT sum(n) = (SELECT count() FROM events) FROM events_by_kind;
SELECT count() > 0 FROM top_kinds;
