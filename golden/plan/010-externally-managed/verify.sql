SELECT count() = 50 FROM ext_orders;
INSERT INTO customers (customer_id, name) VALUES (3, 'three');
SELECT orders = 7 AND amount > 0 FROM orders_per_customer WHERE customer_id = 3 AND name = 'three';
