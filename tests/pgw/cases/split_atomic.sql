create function pg_temp.f(x int) returns int
language sql
begin atomic
  select x + 1;
end;
create or replace procedure pg_temp.p()
begin atomic
  select case when true then 1 else 0 end;
  select 2;
end;
select pg_temp.f(41) as answer;
