\echo echo goes to stdout
\qecho qecho goes to the output file
select 1 as result;
insert into no_such_table values (1);
