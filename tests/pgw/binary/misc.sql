-- columns that stay in text format, mixed with binary ones
select 'pg_class'::regclass, 'int4'::regtype, 1::int4, '{=r/postgres}'::aclitem[] is not null;
select row(1, 'a'), 42;
select pg_typeof(1), 'a'::unknown;
select * from (values (1, 'one', 1.5::float8), (2, null, null)) v(n, s, f);
select x, x * 2.5 from generate_series(1, 3) x;
create temp table bt(id int primary key, v text, f float8);
insert into bt values (1, 'a', 0.5), (2, 'b', 1e-7) returning *;
update bt set f = f * 3 returning id, f;
select 1/0;
select * from bt order by id;
create temp table mg(a int) \; insert into mg values (1) \; select 1/0;
select count(*) from mg;
create temp table mg2(a int) \; insert into mg2 values (2.5::float8) \; select a from mg2;
select * from mg2;
