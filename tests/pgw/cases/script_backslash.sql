select 1 as a;
\pset format aligned
select 2 as b;
