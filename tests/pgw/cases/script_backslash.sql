select 1 as a;
\echo not supported yet
select 2 as b;
