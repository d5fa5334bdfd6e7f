select 1 as first;
select nocol;
select
  'two' as second;
select 1 +;
select 3 as third;
