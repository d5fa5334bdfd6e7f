PGDMP not really a dump
select 1;
