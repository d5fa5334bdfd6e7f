select 1 as a;
select
  nocol;
select 'b' as b
