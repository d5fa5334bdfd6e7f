create temp table st(a int);
select pg_current_xact_id_if_assigned() is not null as in_txn;
