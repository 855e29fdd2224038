-- chplan migration 0003_add_amount (database shop), generated from plan.yaml: edit the plan, not this file.

-- [add-table-column:events:amount] ~ table events: + column amount UInt64
ALTER TABLE `shop`.`events`
    ADD COLUMN IF NOT EXISTS `amount` UInt64 AFTER `status`;
