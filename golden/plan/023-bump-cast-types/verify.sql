SELECT count() = 20 FROM metrics_0_1;
SELECT (SELECT sum(hits) FROM metrics_0_0) = (SELECT sum(hits) FROM metrics_0_1);
SELECT count() = 0 FROM (SELECT id, toUInt64(hits), toString(country) FROM metrics_0_0 EXCEPT SELECT id, hits, toString(country) FROM metrics_0_1);
SELECT toTypeName(hits) = 'UInt64' AND toTypeName(country) = 'LowCardinality(String)' FROM metrics_0_1 LIMIT 1;
