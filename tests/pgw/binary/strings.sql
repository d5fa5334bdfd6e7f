-- text-like types, bytea, uuid, json, network types
select 'plain'::text, ''::text, 'tab	and
newline'::text, 'quote '' and "dq" and \ backslash'::text;
select 'unicode: é ü 漢字 😀'::text, 'abc'::varchar(10), 'ab'::char(5), 'x'::"char", 'name_value'::name;
select '\x'::bytea, '\x00ff10'::bytea, 'abc\000def'::bytea, decode(repeat('ab', 40), 'hex');
set bytea_output = escape;
select '\x'::bytea, '\x00ff10275c'::bytea, 'abc\000def'::bytea, decode('8081fe7f', 'hex');
reset bytea_output;
select '\x0102'::bytea;
select 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '00000000-0000-0000-0000-000000000000'::uuid;
select '{"b": 1, "a": [1, 2.50, "x"], "c": null}'::json, '{"b": 1, "a": [1, 2.50, "x"], "c": null, "d": {"e": true}}'::jsonb;
select '[]'::jsonb, '"str\"ing"'::jsonb, '1e3'::jsonb, '{"k": "üñí"}'::jsonb, 'null'::jsonb, '-0.0'::jsonb;
select '192.168.0.1'::inet, '10.0.0.0/8'::inet, '::1'::inet, '2001:db8::1/64'::inet, '10.1.0.0/16'::cidr, '2001:db8::/32'::cidr, '0.0.0.0/0'::cidr;
select '08:00:2b:01:02:03'::macaddr, '08:00:2b:01:02:03:04:05'::macaddr8;
select array['a', null, 'b c', '', 'd"e', 'f\g', 'NULL', ' x ']::text[];
select array['{}', 'a,b']::varchar[], array['\x01'::bytea, '\x'], array['x'::"char"];
