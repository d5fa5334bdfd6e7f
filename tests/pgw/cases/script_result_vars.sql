create temp table rv(a int);
\echo :ERROR :SQLSTATE :ROW_COUNT
insert into rv values (1), (2), (3);
\echo :ERROR :SQLSTATE :ROW_COUNT
update rv set a = a + 1 where a > 1;
\echo :ERROR :SQLSTATE :ROW_COUNT
select * from rv;
\echo :ERROR :SQLSTATE :ROW_COUNT
select nosuchcolumn from rv;
\echo :ERROR :SQLSTATE :ROW_COUNT :LAST_ERROR_SQLSTATE :LAST_ERROR_MESSAGE
delete from rv;
\echo :ERROR :SQLSTATE :ROW_COUNT :LAST_ERROR_SQLSTATE :'LAST_ERROR_MESSAGE'
select 1 as a\; select 2 as b, 3 as c union all select 4, 5;
\echo :ROW_COUNT
select 1/0;
\echo :ERROR :SQLSTATE :LAST_ERROR_MESSAGE
