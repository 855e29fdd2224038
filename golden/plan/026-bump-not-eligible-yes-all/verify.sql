SELECT count() = 0 FROM readings_0_1;
SELECT count() = 0 FROM system.tables WHERE database = currentDatabase() AND name = 'readings_0_0';
