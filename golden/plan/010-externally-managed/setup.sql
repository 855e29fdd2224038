-- Owned by another tool: chplan tracks it but must never create, alter or drop it.
CREATE TABLE ext_orders (order_id UInt64, customer_id UInt64, amount Decimal(18, 2), placed_at DateTime) ENGINE = MergeTree ORDER BY order_id;
INSERT INTO ext_orders SELECT number, number % 7, number * 1.5, toDateTime('2024-01-01 00:00:00') + number FROM numbers(50);
