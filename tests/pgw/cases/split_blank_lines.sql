

select

  1 as a,
  'x

y' as b;
   
select 2 as c; select 3 as d;   select
4 as e;
