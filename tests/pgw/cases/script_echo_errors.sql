select 1 as ok;
select nosuch;
select 2 as ok2;
