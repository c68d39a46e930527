"""The command line shared by the scenario modules (`bench.search`, `bench.preview`): one desk size, one engine.

`python -m bench.MODULE --size N --engine E [--repeat R] [--keep]` generates (or reuses) a desk of N calls with
`closeloop generate`, then runs `python -m bench.MODULE measure R` against it in a process with the bench's
production settings and prints its JSON; `measure R` measures the desk DATABASE_URL points at and prints one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["scenario_main"]


def scenario_main(module: str, doc: str | None, measure: Callable[[int], dict[str, Any]], default_repeat: int,
                  argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["measure"]:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "closeloop.site.settings")
        import django

        django.setup()
        print(json.dumps(measure(int(argv[1]) if len(argv) > 1 else default_repeat)))  # one line: run_json
        return
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=lambda s: int(s.replace("_", "")), default=100_000,
                        help="calls on the desk (generated once per engine and size, then reused)")
    parser.add_argument("--engine", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=default_repeat, help="timed repetitions per measurement")
    parser.add_argument("--keep", action="store_true", help="keep a PostgreSQL bench database afterwards")
    args = parser.parse_args(argv)
    from .__main__ import _prepare_closeloop
    from .servers import closeloop_env, drop, run_json

    url = _prepare_closeloop(args.engine, args.size)
    result = run_json([sys.executable, "-m", module, "measure", str(args.repeat)], closeloop_env(url))
    print(json.dumps({"engine": args.engine, "size": args.size, **result}, indent=1))  # type: ignore[dict-item]
    if args.engine == "postgresql" and not args.keep:
        drop(args.engine, f"closeloop_bench_{args.size}")
