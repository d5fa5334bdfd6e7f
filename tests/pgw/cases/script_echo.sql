\echo plain words   and   spaces
\echo -n no newline
\echo
\echo 'single ''quoted'' \t tab \n newline \101\x42 \q' "double quoted"
\echo -n
\echo '-n' is an argument when quoted
\echo :v :'v' :"v" :nope
\echo one \echo two
\qecho to the query output
\warn to stderr
\echo unterminated 'string
\echo after
select 1 as a \echo mid-line
;
