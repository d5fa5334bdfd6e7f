/* pgwire — symbol export macro.
 *
 * The library is built with -fvisibility=hidden; only declarations marked
 * PGW_API leave the shared object. */
#ifndef PGWIRE_PGWIRE_EXPORT_H
#define PGWIRE_PGWIRE_EXPORT_H

#if defined(_WIN32)
#if defined(PGW_BUILDING_LIBRARY)
#define PGW_API __declspec(dllexport)
#else
#define PGW_API
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define PGW_API __attribute__((visibility("default")))
#else
#define PGW_API
#endif

#ifdef __cplusplus
#define PGW_BEGIN_DECLS extern "C" {
#define PGW_END_DECLS }
#else
#define PGW_BEGIN_DECLS
#define PGW_END_DECLS
#endif

#endif
