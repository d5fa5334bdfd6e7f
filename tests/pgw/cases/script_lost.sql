select 1 as a;
select pg_terminate_backend(pg_backend_pid());
select 2 as b;
