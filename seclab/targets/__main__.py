"""``python -m seclab.targets {list | serve NAME [--port N]}``."""

from __future__ import annotations

import argparse
import sys
import threading

from seclab.targets import running, servable_targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seclab.targets", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the demo targets")
    serve = commands.add_parser("serve", help="serve a target on 127.0.0.1 until Ctrl-C")
    serve.add_argument("name", choices=sorted(servable_targets()))
    serve.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000; 0 picks a free one)")
    args = parser.parse_args(argv)

    if args.command == "list":
        for name, (summary, _factory) in sorted(servable_targets().items()):
            print(f"{name:20} {summary}")
        return 0
    try:
        with running(args.name, port=args.port) as base_url:
            print(f"{args.name} listening on {base_url} (loopback only); Ctrl-C stops it", flush=True)
            threading.Event().wait()
    except OSError as error:
        print(f"cannot listen on 127.0.0.1:{args.port}: {error}; try another --port", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
