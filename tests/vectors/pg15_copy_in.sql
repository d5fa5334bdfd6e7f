CREATE TEMP TABLE t (id int, v text);
COPY t FROM STDIN;
1	x
2	\N
\.
BEGIN;
SELECT nosuchcolumn;
ROLLBACK;
