select 1 as a;
do $$
begin
  raise notice 'from line 5';
end
$$;
select 2 as b;
