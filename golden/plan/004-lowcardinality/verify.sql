SELECT toTypeName(country) = 'LowCardinality(String)' FROM events LIMIT 1;
SELECT sum(n) = (SELECT count() FROM events) FROM events_by_country;
