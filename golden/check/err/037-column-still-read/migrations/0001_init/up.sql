-- chplan migration 0001_init (database shop), generated from plan.yaml: edit the plan, not this file.

-- [create-table:events] + table events
CREATE TABLE IF NOT EXISTS `shop`.`events`
(
    `id` String,
    `legacy` String
)
ENGINE = MergeTree
ORDER BY id;

-- [create-view:legacy_values] + view legacy_values
CREATE VIEW IF NOT EXISTS `shop`.`legacy_values`
AS SELECT DISTINCT legacy FROM `shop`.`events`;
