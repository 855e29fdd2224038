-- The repopulation filled `avg` from the rows already in source_table.
SELECT countIf(avg != 0) > 0 FROM target_table;
-- A new insert arrives through the re-created view, with avg.
INSERT INTO source_table VALUES ('n1', '2099-01-02 10:00:00', 4), ('n2', '2099-01-02 11:00:00', 6);
SELECT count() = 1 FROM target_table WHERE day = '2099-01-02 00:00:00' AND count = 2 AND sum = 10 AND avg = 5;
