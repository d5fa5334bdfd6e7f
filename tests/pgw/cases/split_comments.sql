-- leading comment lines are not sent

/* a comment /* nested ; */ still in the comment ; */ select 1 as nested;
select 2 /* ; */ as inline; -- trailing; comment
select 3 -- a dash comment ; with a semicolon
  as dash;
select 4 as /* multi
line ; comment */ multi;
select 5 +--comment right after an operator
  1 as plus;
select 6 */* a comment after an operator */ 2 as times;
