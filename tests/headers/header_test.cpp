/* C++ compile test for <pgwire.h>: the umbrella header must be valid C++11
 * and declare everything extern "C". Calling a function proves the latter:
 * without extern "C" the call would name a C++-mangled symbol and fail to
 * link against libpgwire. */
#include <pgwire.h>

#include <cstring>

int main()
{
    const char *name = pgw_status_name(PGW_E_PROTOCOL);
    const char *version = pgw_version();
    if (name == nullptr || std::strcmp(name, "PGW_E_PROTOCOL") != 0)
        return 1;
    return version != nullptr && version[0] != '\0' ? 0 : 1;
}
