\set ON_ERROR_STOP maybe
\set ECHO loud
\set FETCH_COUNT many
\set VERBOSITY nope
\set COMP_KEYWORD_CASE x
\set HISTCONTROL x
\set SHOW_CONTEXT x
\set ON_ERROR_ROLLBACK x
\set ECHO_HIDDEN x
\set bad-name 1
\unset
\unset a extra args
\echo :ON_ERROR_STOP :ECHO :FETCH_COUNT
\set AUTOCOMMIT off
\echo :AUTOCOMMIT
\unset AUTOCOMMIT
\echo :AUTOCOMMIT
select 1 as still_running;
