select (1;
2);
select (select 3 as x) as paren;
select ((4)) as nested; select 5 as after;
