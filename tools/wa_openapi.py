"""Regenerate wa_sandbox/business-messaging-api_v23.0.json.gz from Meta's OpenAPI YAML.

The WhatsApp sandbox validates requests against Meta's description; it ships as gzipped JSON so
that the sandbox needs no YAML parser at run time. Run once after updating the shared copy:

    .venv/bin/python tools/wa_openapi.py [path/to/business-messaging-api_v23.0.yaml]

(pyyaml is needed for this one-off conversion only.)
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "whatsapp-cloud-api" / "facebook-openapi"
NAME = "business-messaging-api_v23.0"


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE / f"{NAME}.yaml"
    with source.open(encoding="utf-8") as f:
        description = yaml.safe_load(f)
    text = json.dumps(description, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    target = ROOT / "wa_sandbox" / f"{NAME}.json.gz"
    # mtime=0: the same YAML gives the same bytes, so a regeneration shows no spurious diff.
    with gzip.GzipFile(target, "wb", mtime=0) as out:
        out.write(text.encode("utf-8"))
    shutil.copyfile(source.with_name("LICENSE"), ROOT / "wa_sandbox" / "LICENSE-facebook-openapi")
    print(f"{target.relative_to(ROOT)}: {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
