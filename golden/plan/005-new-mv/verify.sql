INSERT INTO new_table VALUES ('a', 'x', 1.5), ('b', 'y', 2.5);
SELECT count() = 2 AND sum(some_other_column) = 4 FROM target_table WHERE id IN ('a', 'b');
