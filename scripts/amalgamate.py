#!/usr/bin/env python3
"""Generate the amalgamation, as SQLite ships it: one pgwire.c holding every
library source and internal header, plus one pgwire.h holding the public API,
so an embedder compiles pgwire with nothing but `cc -c pgwire.c`.

usage: amalgamate.py [--src DIR] [--out DIR] [--tls on|off] [--crypto openssl|builtin]
                     [--check-only]

  --src     the source tree (default: this script's ../)
  --out     where pgwire.c and pgwire.h go (default: build/amalgamation)
  --tls     the default of PGW_HAVE_TLS in pgwire.c (on)
  --crypto  the default of PGW_CRYPTO_BUILTIN in pgwire.c (openssl)
  --check-only  look for clashes, write nothing

Both variants of every option are in the file; the options only choose the
defaults, and `cc -c -DPGW_HAVE_TLS=0 -DPGW_CRYPTO_BUILTIN=1 pgwire.c` needs
nothing but libc (TLS on needs -lssl -lcrypto, crypto=openssl -lcrypto).

Sources are discovered, not listed here: every src/<module>/*.c that its
directory's meson.build names (so a half-written file that the build does
not compile yet is left out, with a note). Modules come in dependency order,
worked out from their #include "<module>/..." lines; files within a module in
meson.build's order. A project header is inlined where it is first included
and skipped afterwards (all of them have include guards; a header first
inlined under a condition is inlined again, behind its guard, where an
unconditional file includes it). Macros a .c file defines are #undef'd after
it, so they cannot leak into the next file.

In one translation unit, two files' file-scope static names (functions,
variables, typedefs, struct/enum tags, enum constants) would collide. Such
clashes are detected for every combination of the options and the script
fails, listing them, rather than writing a file that does not compile.
"""

import argparse
import os
import re
import sys
from collections import defaultdict

# Files that are compiled only under an option, as src/*/meson.build decides:
# (path prefix, condition). First match wins; everything else is always in.
CONDITIONS = [
    ("src/tls/tls_disabled.c", "!PGW_HAVE_TLS"),
    ("src/tls/", "PGW_HAVE_TLS"),
    ("src/crypto/crypto_openssl.c", "!PGW_CRYPTO_BUILTIN"),
    ("src/crypto/", "PGW_CRYPTO_BUILTIN"),
]
# Set by the prologue for the whole file: never #undef'd after a .c file.
PROTECTED_MACROS = {"PGW_CRYPTO_BUILTIN", "PGWI_AMALG_TLS", "_POSIX_C_SOURCE", "_DEFAULT_SOURCE",
                    "PGW_BUILDING_LIBRARY", "PGW_DEFAULT_MAX_MESSAGE_SIZE",
                    "PGW_DEFAULT_SOCKET_DIR", "PGW_AMALGAMATION"}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
DEFINE_RE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)")
GUARD_RE = re.compile(r"^\s*#\s*ifndef\s+(\w+)\s*\n\s*#\s*define\s+\1\b", re.M)


def fail(msg):
    sys.stderr.write("amalgamate: " + msg + "\n")
    sys.exit(1)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def condition_of(rel):
    for prefix, cond in CONDITIONS:
        if rel == prefix or (prefix.endswith("/") and rel.startswith(prefix)):
            return cond
    return None


def discover(src):
    """[(module, [relative .c paths])] in meson.build order per module."""
    modules = {}
    srcdir = os.path.join(src, "src")
    for m in sorted(os.listdir(srcdir)):
        d = os.path.join(srcdir, m)
        mb = os.path.join(d, "meson.build")
        if not os.path.isfile(mb):
            continue
        named = []
        for name in re.findall(r"'([\w./-]+\.c)'", read(mb)):
            if name not in named:
                named.append(name)
        files = []
        for name in named:
            if os.path.isfile(os.path.join(d, name)):
                files.append("src/%s/%s" % (m, name))
            # meson.build may list candidates that do not exist (yet).
        for name in sorted(os.listdir(d)):
            if name.endswith(".c") and name not in named:
                sys.stderr.write("amalgamate: note: src/%s/%s is not in its meson.build: "
                                 "left out\n" % (m, name))
        if files:
            modules[m] = files
    return modules


def module_order(src, modules):
    """Topological order of modules: meson.build dependencies and #include edges."""
    deps = {m: set() for m in modules}
    for m in modules:
        # The dependencies meson.build declares (pgw_<module>_dep) ...
        for other in re.findall(r"\bpgw_(\w+)_dep\b", read(os.path.join(src, "src", m, "meson.build"))):
            if other in modules and other != m:
                deps[m].add(other)
    # ... and any #include "<module>/..." edge.
    for m, files in modules.items():
        d = os.path.join(src, "src", m)
        headers = ["src/%s/%s" % (m, h) for h in sorted(os.listdir(d)) if h.endswith(".h")]
        for rel in files + headers:
            for line in read(os.path.join(src, rel)).splitlines():
                mm = INCLUDE_RE.match(line)
                if mm and "/" in mm.group(1):
                    other = mm.group(1).split("/")[0]
                    if other in modules and other != m:
                        deps[m].add(other)
    order, state = [], {}

    def visit(m, stack):
        if state.get(m) == 2:
            return
        if state.get(m) == 1:
            fail("include cycle between modules: " + " -> ".join(stack + [m]))
        state[m] = 1
        for d in sorted(deps[m]):
            visit(d, stack + [m])
        state[m] = 2
        order.append(m)

    # "common" first when present, then alphabetical among equals.
    for m in sorted(modules, key=lambda x: (x != "common", x)):
        visit(m, [])
    return order


def resolve(src, including_rel, name):
    """Path (relative to src) of a project header, or None for a system one."""
    for base in (os.path.dirname(including_rel), "include", "src"):
        rel = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(src, rel)):
            return rel
    return None


# ---- clash detection -------------------------------------------------------

STATIC_FN_RE = re.compile(r"^static\s+[^;=(]*?\b([A-Za-z_]\w*)\s*\(", re.M)
STATIC_FNPTR_RE = re.compile(r"^static\s+[^;=]*?\(\s*\*[\w\s]*?\b([A-Za-z_]\w*)\s*\)\s*\(", re.M)
STATIC_VAR_RE = re.compile(r"^static\s+(?![^;={]*\()[^;={]*?\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*[=;]", re.M)
TAG_RE = re.compile(r"^(?:typedef\s+)?(?:struct|union|enum)\s+([A-Za-z_]\w*)\s*\{", re.M)
TYPEDEF_END_RE = re.compile(r"^\}\s*([A-Za-z_]\w*)\s*;", re.M)
TYPEDEF_LINE_RE = re.compile(r"^typedef\s[^{;]*?\b([A-Za-z_]\w*)\s*(?:\)\s*\([^;]*\))?\s*;", re.M)
TYPEDEF_FNPTR_RE = re.compile(r"^typedef\s[^{;]*?\(\s*\*\s*([A-Za-z_]\w*)\s*\)", re.M)
ENUM_BODY_RE = re.compile(r"^(?:typedef\s+)?enum\b[^{;]*\{(.*?)^\}", re.M | re.S)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def file_scope_names(text):
    """{name: kind} of what a .c file declares at file scope, privately."""
    t = strip_comments(text)
    names = {}
    for rx, kind in ((STATIC_FNPTR_RE, "static variable"), (STATIC_FN_RE, "static function"),
                     (STATIC_VAR_RE, "static variable"), (TAG_RE, "struct/union/enum tag"),
                     (TYPEDEF_END_RE, "typedef"), (TYPEDEF_FNPTR_RE, "typedef"),
                     (TYPEDEF_LINE_RE, "typedef")):
        for m in rx.finditer(t):
            # Tags live in their own name space.
            key = ("tag " + m.group(1)) if kind.startswith("struct") else m.group(1)
            names.setdefault(key, kind)
    for body in ENUM_BODY_RE.finditer(t):
        for m in re.finditer(r"^\s*([A-Za-z_]\w*)\s*(?:=[^,\n]*)?,?\s*$", body.group(1), re.M):
            names.setdefault(m.group(1), "enum constant")
    for line in t.splitlines():
        m = DEFINE_RE.match(line)
        if m:
            names.pop(m.group(1), None)  # macros are #undef'd after the file
    # A header may typedef a struct that a .c file defines: one tag, one
    # definition (only a second "struct x {" with a body clashes).
    return names


def active(cond, config):
    if cond is None:
        return True
    neg = cond.startswith("!")
    val = config[cond.lstrip("!")]
    return val != neg


def project_headers(src):
    hs = []
    for top in ("include", "src"):
        for root, _dirs, names in os.walk(os.path.join(src, top)):
            for n in sorted(names):
                if n.endswith(".h"):
                    hs.append(os.path.relpath(os.path.join(root, n), src))
    return sorted(hs)


def find_clashes(src, files):
    """Names two files (or headers: every header counts as always in) would
    both define in the one translation unit."""
    headers = project_headers(src)
    per_file = {rel: file_scope_names(read(os.path.join(src, rel))) for rel in files + headers}
    files = files + headers
    clashes = {}
    for tls in (True, False):
        for builtin in (True, False):
            config = {"PGW_HAVE_TLS": tls, "PGW_CRYPTO_BUILTIN": builtin}
            owners = defaultdict(list)
            for rel in files:
                if active(condition_of(rel), config):
                    for name, kind in per_file[rel].items():
                        owners[name].append((rel, kind))
            for name, where in owners.items():
                if len(where) > 1:
                    clashes[name] = where
    return clashes


# ---- output ---------------------------------------------------------------

class Emitter:
    def __init__(self, src):
        self.src = src
        self.out = []
        self.done_unconditional = set()
        self.done_conditional = defaultdict(set)  # header -> conditions inlined under

    def emit_file(self, rel, cond, renames=()):
        text = read(os.path.join(self.src, rel))
        if not text.endswith("\n"):
            text += "\n"
        lines = text.splitlines(True)
        last_include = max([i for i, l in enumerate(lines) if INCLUDE_RE.match(l)] or [-1])
        self.out.append('/* ---- begin %s ---- */\n#line 1 "%s"\n' % (rel, rel))
        tag = re.sub(r"\W", "_", rel[len("src/"):-len(".c")]) if rel.endswith(".c") else ""
        for lineno, line in enumerate(lines, 1):
            if lineno - 1 == last_include + 1 and renames:
                for name in renames:
                    self.out.append("#define %s pgwi_amalg_%s_%s\n" % (name, tag, name))
                self.out.append('#line %d "%s"\n' % (lineno, rel))
            m = INCLUDE_RE.match(line)
            if not m:
                self.out.append(line)
                continue
            hdr = resolve(self.src, rel, m.group(1))
            if hdr is None:
                fail('%s:%d: #include "%s" not found in the tree' % (rel, lineno, m.group(1)))
            if hdr in self.done_unconditional or cond in self.done_conditional[hdr]:
                self.out.append("/* %s: already included above */\n" % hdr)
                continue
            if not GUARD_RE.search(read(os.path.join(self.src, hdr))):
                fail("%s has no include guard (#ifndef X / #define X): cannot inline it once"
                     % hdr)
            if cond is None:
                self.done_unconditional.add(hdr)
            else:
                self.done_conditional[hdr].add(cond)
            self.emit_file(hdr, cond)
            self.out.append('#line %d "%s"\n' % (lineno + 1, rel))
        self.out.append("/* ---- end %s ---- */\n" % rel)

    def text(self):
        return "".join(self.out)


def meson_option_default(src, name):
    m = re.search(r"option\('%s'.*?value:\s*('([^']*)'|(\d+))" % re.escape(name),
                  read(os.path.join(src, "meson_options.txt")), re.S)
    if not m:
        fail("meson_options.txt has no default for %s" % name)
    return m.group(2) if m.group(2) is not None else m.group(3)


def version(src):
    v = {}
    for k in ("MAJOR", "MINOR", "PATCH"):
        m = re.search(r"#define PGW_VERSION_%s (\d+)" % k,
                      read(os.path.join(src, "include/pgwire/version.h")))
        v[k] = m.group(1) if m else "?"
    return "%s.%s.%s" % (v["MAJOR"], v["MINOR"], v["PATCH"])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=os.path.dirname(here))
    ap.add_argument("--out", default=None)
    ap.add_argument("--tls", choices=["on", "off"], default="on")
    ap.add_argument("--crypto", choices=["openssl", "builtin"], default="openssl")
    ap.add_argument("--check-only", action="store_true")
    ap.add_argument("--rename-clashes", action="store_true",
                    help="instead of failing, rename each clashing name per file with a macro "
                         "(after the file's #includes; listed on stderr)")
    a = ap.parse_args()
    src = os.path.abspath(a.src)
    out = a.out or os.path.join(src, "build", "amalgamation")

    modules = discover(src)
    order = module_order(src, modules)
    files = [rel for m in order for rel in modules[m]]

    clashes = find_clashes(src, files)
    renames = defaultdict(list)  # rel -> [name]
    if clashes and a.rename_clashes:
        for name in sorted(clashes):
            for rel, _kind in clashes[name]:
                renames[rel].append(name)
            sys.stderr.write("amalgamate: warning: renamed per file: %s (%s)\n"
                             % (name, ", ".join(r for r, _ in clashes[name])))
    elif clashes:
        lines = ["%d file-scope name(s) are defined by more than one file; in one translation "
                 "unit they would collide (rename one side, e.g. with a file prefix):"
                 % len(clashes)]
        for name in sorted(clashes):
            lines.append("  %s: %s" % (name, ", ".join("%s (%s)" % w for w in clashes[name])))
        fail("\n".join(lines))
    if a.check_only:
        print("amalgamate: %d files, no clashes" % len(files))
        return

    ver = version(src)
    prologue = """/* pgwire %(ver)s amalgamation: every library source in one file, generated
 * by scripts/amalgamate.py (do not edit; edit the tree and regenerate).
 *
 *     cc -c pgwire.c                      # TLS on: link -lssl -lcrypto
 *     cc -c -DPGW_HAVE_TLS=0 pgwire.c     # no TLS: link -lcrypto
 *     cc -c -DPGW_HAVE_TLS=0 -DPGW_CRYPTO_BUILTIN=1 pgwire.c   # libc only
 *
 * When building a shared object from it, add -fvisibility=hidden so that
 * only the pgw_ API is exported. Files: %(n)d, in dependency order. */
#ifndef PGW_HAVE_TLS
#define PGW_HAVE_TLS %(tls)d
#endif
#ifndef PGW_CRYPTO_BUILTIN
#define PGW_CRYPTO_BUILTIN %(builtin)d
#endif
/* meson defines PGW_HAVE_TLS=1 or nothing, and the tree tests it both
 * ways (#ifndef and #if): keep it undefined when TLS is off. */
#if PGW_HAVE_TLS
#define PGWI_AMALG_TLS 1
#else
#define PGWI_AMALG_TLS 0
#undef PGW_HAVE_TLS
#endif
/* What meson.build passes on the command line. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif
#define PGW_BUILDING_LIBRARY 1
#ifndef PGW_DEFAULT_MAX_MESSAGE_SIZE
#define PGW_DEFAULT_MAX_MESSAGE_SIZE %(maxmsg)su
#endif
#ifndef PGW_DEFAULT_SOCKET_DIR
#define PGW_DEFAULT_SOCKET_DIR "%(sockdir)s"
#endif
#define PGW_AMALGAMATION 1
""" % {"ver": ver, "n": len(files), "tls": 1 if a.tls == "on" else 0,
       "builtin": 1 if a.crypto == "builtin" else 0,
       "maxmsg": meson_option_default(src, "max_message_size"),
       "sockdir": meson_option_default(src, "default_socket_dir").replace('"', '\\"')}

    e = Emitter(src)
    e.out.append(prologue)
    for rel in files:
        cond = condition_of(rel)
        if cond is not None:
            expr = {"PGW_HAVE_TLS": "PGWI_AMALG_TLS",
                    "!PGW_HAVE_TLS": "!PGWI_AMALG_TLS",
                    "PGW_CRYPTO_BUILTIN": "PGW_CRYPTO_BUILTIN",
                    "!PGW_CRYPTO_BUILTIN": "!PGW_CRYPTO_BUILTIN"}[cond]
            e.out.append("#if %s\n" % expr)
        e.emit_file(rel, cond, renames.get(rel, ()))
        # Macros of a .c file end with it.
        defined = list(renames.get(rel, ()))
        for line in read(os.path.join(src, rel)).splitlines():
            m = DEFINE_RE.match(line)
            if m and m.group(1) not in defined:
                defined.append(m.group(1))
        for name in defined:
            if name == "PGW_HAVE_TLS":
                # A file's fallback "#define PGW_HAVE_TLS 0" must not outlive it.
                e.out.append("#if !PGWI_AMALG_TLS\n#undef PGW_HAVE_TLS\n#endif\n")
            elif name not in PROTECTED_MACROS:
                e.out.append("#undef %s\n" % name)
        if cond is not None:
            e.out.append("#endif /* %s */\n" % cond)

    h = Emitter(src)
    h.out.append("/* pgwire %s public API in one header, generated by scripts/amalgamate.py "
                 "(do not edit). */\n" % ver)
    h.emit_file("include/pgwire.h", None)

    os.makedirs(out, exist_ok=True)
    for name, em in (("pgwire.c", e), ("pgwire.h", h)):
        tmp = os.path.join(out, name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(em.text())
        os.replace(tmp, os.path.join(out, name))
    print("amalgamate: %s/pgwire.c (%d files: %s) and pgwire.h" % (out, len(files), " ".join(order)))


if __name__ == "__main__":
    main()
