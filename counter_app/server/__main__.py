"""`python -m counter_app.server …`: the same as `counter-app server …`, for a server machine
that runs nothing else of the program."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from counter_app.core.errors import LoketError
from counter_app.core.i18n import t
from counter_app.core.paths import default_data_dir
from counter_app.server.command import add_arguments, run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m counter_app.server", description=t("cli.help.server"))
    parser.add_argument("--data-dir", help=t("cli.help.data_dir"))
    parser.add_argument("--json", action="store_true", help=t("cli.help.json"))
    add_arguments(parser)
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    try:
        return run(args, data_dir, as_json=args.json)
    except LoketError as exc:
        print(t("cli.error", message=exc.message()), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
