-- hstore, an extension type found through the catalogs
set client_min_messages = warning;
create extension if not exists hstore;
reset client_min_messages;
select 'a=>1, b=>NULL, "c d"=>"e\"f", ""=>""'::hstore, ''::hstore, array['x=>y'::hstore];
select hstore('key', 'välue with spaces'), hstore(array['k1','k2'], array['v1', null]);
