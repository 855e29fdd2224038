-- chplan migration 0001_init (database shop), generated from plan.yaml: edit the plan, not this file.

-- [create-table:events] + table events
CREATE TABLE IF NOT EXISTS `shop`.`events`
(
    `id` String
)
ENGINE = MergeTree
ORDER BY id;
