"""Write the gateway's OpenAPI document, without Ray: `python -m serve_app.openapi_dump [PATH]`.

The UI's REST types (ui/src/lib/api.gen.ts) are generated from this file (`make ui-types`),
and `make test` regenerates it to check the committed copy is current, so the text must be
the same on every run: keys sorted, fixed indentation, one trailing newline.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def openapi_document() -> dict[str, Any]:
    """The document FastAPI builds from the routes; importing the gateway starts nothing."""
    from serve_app.gateway import app

    return app.openapi()


def openapi_text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print("usage: python -m serve_app.openapi_dump [PATH]  (stdout without PATH)", file=sys.stderr)
        return 2
    text = openapi_text(openapi_document())
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
