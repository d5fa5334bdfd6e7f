-- a script: comments, strings and quoting that hold semicolons
select 1 as one;   -- a trailing comment
/* a block comment; with a semicolon */ select 'a;b' as "semi;colon";
select $$dollar; quoted$$ as d, $tag$ nested $$ ; $tag$ as t;
select E'it\'s; escaped' as e;
select
  2 as multi,
  -- a comment inside a statement is sent too
  3 as line;

create temp table s (x int);
insert into s values (1), (2);
select * from s order by x
