-- psql variables: where they are replaced and where not
select :foo as plain, :'foo' as literal, :"col" as ident from (select 1 as "my col") s;
select ':foo' as in_string, $$:foo$$ as in_dollar, ":foo" as in_ident; -- :foo in a comment
/* :foo in a block comment */ select 1::int as cast_ok, :undefined_var_kept as "x" ;
select :'undefined_literal';
select :"undefined_ident";
select :{?foo} as foo_defined, :{?nope} as nope_defined;
select :'quote' as escaped, :'backslash' as with_backslash;
select :"quote" as ident_quote;
\set two 'select 2 as two;'
:two
\set half 'select 3 as'
:half three;
\set self 'x :self'
select ':self' as s, :'self' as lit;
\set n 5
select :n + :n as ten;
\set list 1, 2, 3
select :list;
\set semi '1; select 4'
select :semi as four;
