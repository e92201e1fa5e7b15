"""Copy the Mermaid runtime into the site, so diagrams render without a CDN.

Run by the mkdocs ``gen-files`` plugin. The file comes from the pinned npm package
``@mermaid-js/tiny`` (package.json; ``scripts/env.sh`` runs ``npm ci``).
"""

from __future__ import annotations

from pathlib import Path

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parents[2]
MERMAID = ROOT / "node_modules" / "@mermaid-js" / "tiny" / "dist" / "mermaid.tiny.js"

if not MERMAID.is_file():
    raise SystemExit(
        f"docs: {MERMAID.relative_to(ROOT)} is missing; run `npm ci` in {ROOT} "
        "(scripts/env.sh does it)"
    )
with mkdocs_gen_files.open("assets/generated/mermaid.tiny.js", "w") as out:
    out.write(MERMAID.read_text(encoding="utf-8"))
