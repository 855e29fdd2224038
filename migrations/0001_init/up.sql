-- chplan migration 0001_init (database shop), generated from plan.yaml: edit the plan, not this file.

-- [create-table:aircraft_tracking_data_0_0] + table aircraft_tracking_data_0_0
CREATE TABLE IF NOT EXISTS `shop`.`aircraft_tracking_data_0_0`
(
    `icao24` String,
    `callsign` String,
    `longitude` Float64,
    `latitude` Float64,
    `altitude` Nullable(Float32) COMMENT 'barometric altitude, metres',
    `seen_at` DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY icao24
TTL toDateTime(seen_at) + INTERVAL 30 DAY;

-- [create-table:events_0_0] + table events_0_0
CREATE TABLE IF NOT EXISTS `shop`.`events_0_0`
(
    `id` String,
    `name` String,
    `created_at` DateTime
)
ENGINE = MergeTree
ORDER BY id;

-- [create-table:events_0_1] + table events_0_1
CREATE TABLE IF NOT EXISTS `shop`.`events_0_1`
(
    `id` String,
    `name` String,
    `created_at` DateTime COMMENT 'when the event happened'
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(created_at)
ORDER BY (id, created_at);

-- [create-table:page_views] + table page_views
CREATE TABLE IF NOT EXISTS `shop`.`page_views`
(
    `view_id` UUID DEFAULT generateUUIDv4(),
    `user_id` UInt64,
    `url` String CODEC(ZSTD(3)),
    `path` String MATERIALIZED path(url),
    `country` LowCardinality(String),
    `duration_ms` UInt32,
    `viewed_at` DateTime,
    INDEX `url_tokens` url TYPE tokenbf_v1(10240, 3, 0) GRANULARITY 4,
    CONSTRAINT `positive_duration` CHECK duration_ms < 86400000
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(viewed_at)
ORDER BY (toDate(viewed_at), user_id)
TTL viewed_at + INTERVAL 1 YEAR
SETTINGS index_granularity = 8192
COMMENT 'one row per page view, as sent by the tracker';

-- [create-table:page_views_daily] + table page_views_daily
CREATE TABLE IF NOT EXISTS `shop`.`page_views_daily`
(
    `day` Date,
    `country` LowCardinality(String),
    `views` SimpleAggregateFunction(sum, UInt64),
    `users` AggregateFunction(uniq, UInt64),
    `avg_duration_ms` AggregateFunction(avg, UInt32)
)
ENGINE = AggregatingMergeTree
ORDER BY (day, country);

-- [create-table:users] + table users
CREATE TABLE IF NOT EXISTS `shop`.`users`
(
    `user_id` UInt64,
    `email` String,
    `plan` Enum8('free' = 1, 'pro' = 2, 'enterprise' = 3) DEFAULT 'free',
    `tags` Array(LowCardinality(String)),
    `attributes` Map(String, String),
    `balance` Decimal(18, 4) DEFAULT 0,
    `updated_at` DateTime64(3),
    `is_deleted` UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(`updated_at`, `is_deleted`)
ORDER BY user_id
COMMENT 'one row per user; deletion-protected: chplan never drops it';

-- [create-view:active_users] + view active_users
CREATE VIEW IF NOT EXISTS `shop`.`active_users`
AS SELECT u.user_id, u.email, count() AS views
FROM `shop`.`users` AS u FINAL
INNER JOIN `shop`.`page_views` AS v ON v.user_id = u.user_id
WHERE v.viewed_at >= now() - INTERVAL 1 DAY
GROUP BY u.user_id, u.email;

-- [create-view:top_countries] + view top_countries
CREATE VIEW IF NOT EXISTS `shop`.`top_countries`
AS SELECT country, sum(views) AS views, uniqMerge(users) AS users
FROM `shop`.`page_views_daily`
WHERE day >= today() - 30
GROUP BY country
ORDER BY views DESC
COMMENT 'countries by views over the last 30 days';

-- [create-materialized-view:mv_events_to_0_1] + materialized view mv_events_to_0_1 (into events_0_1)
CREATE MATERIALIZED VIEW IF NOT EXISTS `shop`.`mv_events_to_0_1`
TO `shop`.`events_0_1`
AS SELECT * FROM `shop`.`events_0_0`;

-- [create-materialized-view:page_views_daily_mv] + materialized view page_views_daily_mv (into page_views_daily)
CREATE MATERIALIZED VIEW IF NOT EXISTS `shop`.`page_views_daily_mv`
TO `shop`.`page_views_daily`
AS SELECT
    toDate(viewed_at) AS day,
    country,
    count() AS views,
    uniqState(user_id) AS users,
    avgState(duration_ms) AS avg_duration_ms
FROM `shop`.`page_views`
GROUP BY day, country;
