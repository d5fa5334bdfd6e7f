select 1 as a;
select nocol


