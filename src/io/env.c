/* The process environment and the user database, for option defaults. */
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "io/io_int.h"

const char *pgwi_env_lookup(void *ud, const char *name)
{
    (void)ud;
    return getenv(name);
}

bool pgwi_os_user(char *buf, size_t len)
{
    struct passwd pw, *res = NULL;
    char tmp[1024];
    if (getpwuid_r(geteuid(), &pw, tmp, sizeof tmp, &res) != 0 || res == NULL ||
        res->pw_name == NULL)
        return false;
    size_t n = strlen(res->pw_name);
    if (n + 1 > len)
        return false;
    memcpy(buf, res->pw_name, n + 1);
    return true;
}
