-- chplan migration 0001_init (database shop), generated from plan.yaml: edit the plan, not this file.

-- [create-table:aircraft_tracking_data_0_0] + table aircraft_tracking_data_0_0
CREATE TABLE IF NOT EXISTS `shop`.`aircraft_tracking_data_0_0`
(
    `icao24` String,
    `callsign` String
)
ENGINE = MergeTree
ORDER BY icao24;
