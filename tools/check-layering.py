#!/usr/bin/env python3
"""Fail on an #include that crosses DESIGN.md's "who may use whom" table.

usage: check-layering.py [SOURCE_ROOT]      (default: the parent of tools/)
       check-layering.py --self-test

Every `#include "..."` in src/, include/, tools/pgw/, examples/ and testkit/
is mapped to the module it names and checked against ALLOWED below; OpenSSL
headers may only be included from src/crypto and src/tls. Each violation is
printed as file:line, and the exit status is 1 when there is any.
"""

import os
import re
import sys
import tempfile

# DESIGN.md, "Who may use whom". Every module may use itself and the public
# headers (include/pgwire.h, include/pgwire/*.h); this lists the rest.
ALLOWED = {
    "common": set(),
    "crypto": {"common"},
    "protocol": {"common"},
    "types": {"common"},
    "auth": {"common", "crypto"},
    "tls": {"common"},
    "conn": {"common", "protocol", "types", "auth", "tls", "crypto"},
    "replication": {"common", "protocol", "types"},
    "io": {"common", "conn", "replication"},
    "pool": set(),
    "testkit": {"common", "protocol", "io"},
    "tools": set(),
    "examples": set(),
    "public": set(),
}
SRC_MODULES = ("common", "crypto", "protocol", "types", "auth", "tls", "conn",
               "replication", "io", "pool")
OPENSSL_OK = {"crypto", "tls"}
SCANNED = ("src", "include", "tools/pgw", "examples", "testkit")
EXTENSIONS = (".c", ".h", ".inc", ".def")

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def module_of_file(rel):
    """Module a source file belongs to, from its path under the root."""
    parts = rel.split("/")
    if parts[0] == "src" and len(parts) > 2:
        return parts[1] if parts[1] in SRC_MODULES else None
    if parts[0] == "include":
        return "public"
    if parts[0] == "tools":
        return "tools"
    if parts[0] in ("examples", "testkit"):
        return parts[0]
    return None


def module_of_include(root, including_rel, target):
    """Module an include names, or None when it cannot be told."""
    first = target.split("/")[0]
    if target == "pgwire.h" or first == "pgwire":
        return "public"
    if first in SRC_MODULES and "/" in target:
        return first
    # A path relative to the including file ("frame_int.h", "../x/y.h"):
    # the module is where the file actually is.
    here = os.path.dirname(os.path.join(root, including_rel))
    cand = os.path.normpath(os.path.join(here, target))
    if os.path.exists(cand):
        rel = os.path.relpath(cand, root).replace(os.sep, "/")
        if not rel.startswith("../"):
            return module_of_file(rel)
    return None


def scan(root):
    problems = []
    nfiles = 0
    for top in SCANNED:
        base = os.path.join(root, top)
        if not os.path.isdir(base):
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(EXTENSIONS):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                mod = module_of_file(rel)
                if mod is None:
                    problems.append("%s: file is in no module of the table in "
                                    "tools/check-layering.py" % rel)
                    continue
                nfiles += 1
                problems += check_file(root, rel, mod)
    return nfiles, problems


def check_file(root, rel, mod):
    problems = []
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE_RE.match(line)
            if not m:
                continue
            kind, target = m.groups()
            where = "%s:%d" % (rel, lineno)
            if kind == "<":
                if target.startswith("openssl/") and mod not in OPENSSL_OK:
                    problems.append("%s: %s includes <%s>; only src/crypto and src/tls "
                                    "may name OpenSSL" % (where, mod, target))
                # Angle includes of our own modules would dodge the check below.
                first = target.split("/")[0]
                if first in SRC_MODULES and "/" in target:
                    problems.append('%s: include our own header as "%s", not <%s>'
                                    % (where, target, target))
                continue
            dep = module_of_include(root, rel, target)
            if dep is None:
                problems.append('%s: cannot tell which module "%s" belongs to '
                                "(add it to tools/check-layering.py)" % (where, target))
            elif dep == mod or dep == "public":
                continue
            elif dep not in ALLOWED[mod]:
                allowed = ", ".join(sorted(ALLOWED[mod])) or "nothing but the public API"
                problems.append('%s: %s may not include "%s" (module %s); %s may use: %s '
                                "(DESIGN.md, who may use whom)"
                                % (where, mod, target, dep, mod, allowed))
    return problems


def self_test():
    """The checker must catch what it claims to catch."""
    tree = {
        "src/protocol/ok.c": '#include "protocol/frame.h"\n#include "common/common_int.h"\n'
                             '#include "pgwire/proto.h"\n#include "local.h"\n',
        "src/protocol/local.h": "",
        "src/protocol/frame.h": "",
        "src/common/common_int.h": "",
        "include/pgwire/proto.h": '#include "pgwire/export.h"\n',
        "src/protocol/bad.c": '#include "conn/conn_int.h"\n',
        "src/auth/bad.c": '#include "protocol/frame.h"\n#include <openssl/evp.h>\n',
        "src/io/bad.c": '  #  include "crypto/crypto.h"\n',
        "examples/bad.c": '#include "common/common_int.h"\n',
        "tools/pgw/bad.c": '#include "../../src/common/common_int.h"\n',
        "include/pgwire/bad.h": '#include "common/common_int.h"\n',
        "src/crypto/ok.c": "#include <openssl/evp.h>\n",
        "src/conn/ok.c": '#include "tls/tls_int.h"\n#include "crypto/crypto.h"\n',
    }
    expected = [
        "examples/bad.c:1:", "include/pgwire/bad.h:1:", "src/auth/bad.c:1:",
        "src/auth/bad.c:2:", "src/io/bad.c:1:", "src/protocol/bad.c:1:",
        "tools/pgw/bad.c:1:",
    ]
    with tempfile.TemporaryDirectory() as root:
        for rel, text in tree.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        _, problems = scan(root)
    got = sorted(p.split(" ")[0] for p in problems)
    if got != expected:
        print("self-test failed:\n  expected %s\n  got      %s" % (expected, got))
        for p in problems:
            print("  " + p)
        return 1
    print("self-test: %d planted violations found, clean files passed" % len(expected))
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) > 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = argv[1] if len(argv) == 2 else os.path.join(os.path.dirname(__file__), "..")
    root = os.path.abspath(root)
    nfiles, problems = scan(root)
    for p in problems:
        print(p)
    if nfiles == 0:
        print("no source files found under %s: wrong root?" % root)
        return 1
    if problems:
        print("layering: %d violation(s) in %d files" % (len(problems), nfiles))
        return 1
    print("layering: %d files follow DESIGN.md's table" % nfiles)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
