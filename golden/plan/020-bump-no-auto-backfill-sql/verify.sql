SELECT count() = 0 FROM aircraft_tracking_data_0_1;
SELECT count() = 0 FROM system.tables WHERE database = currentDatabase() AND name = 'aircraft_tracking_data_0_0';
