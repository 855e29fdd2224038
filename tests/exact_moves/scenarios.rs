//! The scenarios: a project in `tests/exact_moves/<name>/{before,after}/schemas`, the table
//! writers insert into, and what must hold once the after plan is applied.

use crate::checks::Check;
use crate::writers::{Rows, Switch};

pub struct Scenario {
    pub name: &'static str,
    pub about: &'static str,
    pub rows: Rows,
    /// Where the initial rows go (before the after plan) and where writers start.
    pub source: &'static str,
    pub switch: Switch,
    /// A number sampled from a target while the apply runs; it must never fall below its
    /// value at the start.
    pub reader: Option<&'static str>,
    pub checks: Vec<Check>,
}

pub fn all() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "side_by_side",
            about: "events 0.0 -> 0.1 with migration view mv_events_to_0_1 (golden 014)",
            rows: Rows::Events,
            source: "events_0_0",
            switch: Switch::Never,
            reader: None,
            checks: vec![
                Check::Acked {
                    table: "events_0_0",
                    always: &["events_0_0"],
                    before_end: &[],
                },
                Check::Same {
                    label: "events_0_1 = events_0_0",
                    actual: "SELECT id, name, created_at FROM events_0_1",
                    expected: "SELECT id, name, created_at FROM events_0_0",
                },
            ],
        },
        Scenario {
            name: "in_place_drop",
            about: "in-place bump events 0.0 -> 0.1, backfill, drop 0.0 (golden 016); writers \
                    move to 0.1 when 0.0 is gone (UNKNOWN_TABLE)",
            rows: Rows::Events,
            source: "events_0_0",
            switch: Switch::OnUnknownTable("events_0_1"),
            reader: None,
            checks: vec![
                Check::Acked {
                    table: "events_0_1",
                    always: &["events_0_0", "events_0_1"],
                    before_end: &[],
                },
                Check::Value {
                    label: "events_0_0 dropped (EXISTS TABLE)",
                    sql: "EXISTS TABLE events_0_0",
                    expected: "0",
                },
            ],
        },
        Scenario {
            name: "in_place_keep",
            about: "in-place bump events 0.0 -> 0.1, backfill, keep 0.0 (golden 018); writers \
                    write 0.0 until the apply is done, then 0.1",
            rows: Rows::Events,
            source: "events_0_0",
            switch: Switch::AfterApply("events_0_1"),
            reader: None,
            checks: vec![
                Check::Acked {
                    table: "events_0_1",
                    always: &["events_0_1"],
                    before_end: &["events_0_0"],
                },
                Check::Acked {
                    table: "events_0_0",
                    always: &["events_0_0"],
                    before_end: &[],
                },
            ],
        },
        Scenario {
            name: "mv_select_mergetree",
            about: "orders -> order_lines_mv -> order_lines (MergeTree); the SELECT gains \
                    `customer`",
            rows: Rows::Orders,
            source: "orders",
            switch: Switch::Never,
            reader: Some("SELECT count() FROM order_lines"),
            checks: vec![
                Check::Acked {
                    table: "orders",
                    always: &["orders"],
                    before_end: &[],
                },
                Check::Same {
                    label: "order_lines = its view over orders",
                    actual: "SELECT order_id, day, revenue, customer FROM order_lines",
                    expected: "SELECT order_id, toDate(created_at) AS day, amount AS revenue, \
                               customer FROM orders",
                },
            ],
        },
        Scenario {
            name: "mv_select_summing",
            about: "orders -> daily_revenue_mv -> daily_revenue (SummingMergeTree); the SELECT \
                    gains `count() AS orders`",
            rows: Rows::Orders,
            source: "orders",
            switch: Switch::Never,
            reader: Some("SELECT sum(revenue) FROM daily_revenue"),
            checks: vec![
                Check::Acked {
                    table: "orders",
                    always: &["orders"],
                    before_end: &[],
                },
                Check::Groups {
                    label: "daily_revenue (sum per day) = its view over orders",
                    actual: "SELECT day, sum(revenue), sum(orders) FROM daily_revenue \
                             GROUP BY day ORDER BY day",
                    expected: "SELECT toDate(created_at) AS day, sum(amount), count() \
                               FROM orders GROUP BY day ORDER BY day",
                },
            ],
        },
        Scenario {
            name: "mv_select_aggregating",
            about: "orders -> daily_stats_mv -> daily_stats (AggregatingMergeTree: sumState, \
                    uniqState); the SELECT gains `countState() AS orders`",
            rows: Rows::Orders,
            source: "orders",
            switch: Switch::Never,
            reader: Some("SELECT sumMerge(revenue) FROM daily_stats"),
            checks: vec![
                Check::Acked {
                    table: "orders",
                    always: &["orders"],
                    before_end: &[],
                },
                Check::Groups {
                    label: "daily_stats (-Merge per day) = its view over orders",
                    actual: "SELECT day, sumMerge(revenue), uniqMerge(customers), \
                             countMerge(orders) FROM daily_stats GROUP BY day ORDER BY day",
                    expected: "SELECT toDate(created_at) AS day, sum(amount), uniq(customer), \
                               count() FROM orders GROUP BY day ORDER BY day",
                },
            ],
        },
        Scenario {
            name: "chain",
            about: "raw_events -> mv -> events 0.0 -> 0.1 (bumped in place, dropped) -> mv -> \
                    events_daily (golden 027)",
            rows: Rows::Raw,
            source: "raw_events",
            switch: Switch::Never,
            reader: Some("SELECT count() FROM events_daily"),
            checks: vec![
                Check::Acked {
                    table: "raw_events",
                    always: &["raw_events"],
                    before_end: &[],
                },
                Check::Same {
                    label: "events_0_1 = its view over raw_events",
                    actual: "SELECT id, created_at FROM events_0_1",
                    expected: "SELECT id, created_at FROM raw_events",
                },
                Check::Same {
                    label: "events_daily = its view over events_0_1",
                    actual: "SELECT id, n FROM events_daily",
                    expected: "SELECT id, toUInt64(1) AS n FROM events_0_1",
                },
                Check::Value {
                    label: "events_0_0 dropped (EXISTS TABLE)",
                    sql: "EXISTS TABLE events_0_0",
                    expected: "0",
                },
            ],
        },
    ]
}
