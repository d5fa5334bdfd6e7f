select $$a;b$$ as plain;
select $f$ $$ ; $ff$ ; $f$ as tagged;
select $a$
multi;
line
$a$ as multiline;
select 1$$;$$;
select $1;
select length($_$;$_$) as underscore;
create function pg_temp.dq() returns text language plpgsql as $body$
begin
  return 'semi;colon';
end
$body$;
select pg_temp.dq() as body;
