\set x 42
SELECT :x::int4 AS x, 'abc'::text AS s;
