select 1 as a \; select 2 as b;
select 3 as c \; select nocol \; select 4 as d;
