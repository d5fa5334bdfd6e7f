#include "pgwire/status.h"
#include "pgwire/version.h"

#define PGW_STR_(x) #x
#define PGW_XSTR_(x) PGW_STR_(x)

const char *pgw_status_name(int status)
{
    switch (status) {
#define NAME_CASE(name, value, msg)                                                            \
    case value:                                                                                \
        return #name;
        PGW_STATUS_LIST(NAME_CASE)
#undef NAME_CASE
    default:
        return "PGW_UNKNOWN";
    }
}

const char *pgw_status_str(int status)
{
    switch (status) {
#define MSG_CASE(name, value, msg)                                                             \
    case value:                                                                                \
        return msg;
        PGW_STATUS_LIST(MSG_CASE)
#undef MSG_CASE
    default:
        return "unknown status";
    }
}

const char *pgw_version(void)
{
    return PGW_XSTR_(PGW_VERSION_MAJOR) "." PGW_XSTR_(PGW_VERSION_MINOR) "." PGW_XSTR_(
        PGW_VERSION_PATCH);
}
