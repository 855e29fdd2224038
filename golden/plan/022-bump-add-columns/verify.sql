SELECT count() = 20 FROM orders_0_1;
SELECT count() = 20 FROM orders_0_1 WHERE note IS NULL AND status = 'new';
