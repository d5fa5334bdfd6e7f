select 'it''s; quoted' as single;
select E'it\'s; escaped' as e, e'back\\slash;' as lower;
select "semi;colon" from (select 1 as "semi;colon") s;
select U&'d\0061t\+000061;' as unicode, U&"d;" from (select 1 as "d;") s;
select B'101' as bits, X'1F' as hex, N'nat;ional' as nat;
select 'a'
  'b;c' as continued;
select 'x' as "col""quote;";
select 1e as junk_number;
-- psql scans line by line: the continuation below is no E'' string for it,
-- so the statement ends at the second semicolon
select E'a'
  '\';' as continued_escape;
