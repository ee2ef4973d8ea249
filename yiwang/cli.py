"""The `yiwang` console command.

    yiwang demo [--port P] [--no-serve]   migrate, load the demo street, print logins, serve
    yiwang serve [--port P] [--host H]    serve whatever database DATABASE_URL names (and the
                                          background worker beside it; --no-worker: not)
    yiwang worker                         the background worker alone (django-q2, ORM broker)
    yiwang manage ...                     Django's manage.py
    yiwang bench NAME ...                 benchmarks (locate, intake [--clients N], crash, ...)
    yiwang import THING FILE ...          imports (grids, people, houses, entities, hotline, ...)
    yiwang export THING FILE ...          exports
    yiwang backup [FILE]                  copy of the whole database (SQLite online / pg_dump)
    yiwang restore FILE [--force]         restore a backup into an empty database
    yiwang sla-sweep | triage ... | ...   any other management command, '-' read as '_'

Every sub-command is a Django management command; this file only translates names.
"""

from __future__ import annotations

import os
import sys

USAGE = __doc__


def translate(argv: list[str]) -> list[str]:
    """yiwang argv (without the program name) -> manage.py argv (without the program name)."""
    if not argv or argv[0] in {"-h", "--help", "help"}:
        return []
    cmd, rest = argv[0], argv[1:]
    if cmd == "manage":
        return rest
    if cmd in {"bench", "import", "export"}:
        if not rest or rest[0].startswith("-"):
            raise SystemExit(f"用法: yiwang {cmd} NAME ...  (e.g. yiwang {cmd} grids ...)")
        return [f"{cmd}_{rest[0].replace('-', '_')}", *rest[1:]]
    return [cmd.replace("-", "_"), *rest]


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    manage_argv = translate(argv)
    if not manage_argv:
        print(USAGE)
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yiwang", *manage_argv])


if __name__ == "__main__":
    main()
