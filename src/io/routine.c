typedef int pgwi_routine_placeholder;
