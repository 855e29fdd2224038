SELECT count() = 20 FROM readings_0_1;
SELECT count() = 0 FROM (SELECT id, toFloat32(x) AS x FROM readings_0_0 WHERE NOT isNaN(x) EXCEPT SELECT id, x FROM readings_0_1 WHERE NOT isNaN(x));
SELECT (SELECT countIf(isNaN(x)) FROM readings_0_0) = (SELECT countIf(isNaN(x)) FROM readings_0_1);
