\set a 1
\set b 'two words' more
\set c
\set d `echo from shell`
\unset e
\set ON_ERROR_STOP
\set QUIET
\set ECHO_HIDDEN noexec
\set ON_ERROR_ROLLBACK interactive
\unset FETCH_COUNT
\unset IGNOREEOF
\set IGNOREEOF abc
\unset SHOW_CONTEXT
\unset PROMPT1
\set
