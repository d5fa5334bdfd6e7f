create temp table ct (id int primary key, v text);
\copy ct from 'copy_data.tsv'
\copy ct (id, v) from stdin
3	tab\there
4	d
\.
\copy ct to stdout
\copy (select * from ct order by id desc) to stdout with (format csv, header)
\copy ct from stdin
5	x
bad	row
6	y
\.
\copy ct from stdin with (format csv)
7,"quoted, comma"
\.
\copy ct to '/dev/null'
\copy nope from stdin
1	skipped
\.
\copy ct from 'no_such_file.tsv'
\copy ct
select count(*) from ct;
