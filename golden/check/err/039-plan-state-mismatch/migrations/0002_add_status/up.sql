-- chplan migration 0002_add_status (database shop), generated from plan.yaml: edit the plan, not this file.

-- [add-table-column:events:status] ~ table events: + column status String
ALTER TABLE `shop`.`events`
    ADD COLUMN IF NOT EXISTS `status` String AFTER `id`;
