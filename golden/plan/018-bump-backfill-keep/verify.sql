SELECT count() = 20 FROM aircraft_tracking_data_0_0;
SELECT count() = 20 FROM aircraft_tracking_data_0_1;
SELECT count() = 0 FROM (SELECT icao24, callsign, longitude, latitude FROM aircraft_tracking_data_0_0 EXCEPT SELECT icao24, callsign, longitude, latitude FROM aircraft_tracking_data_0_1);
