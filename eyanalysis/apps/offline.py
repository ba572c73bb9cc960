"""Voila with no network (issue #12 item 1): the ``lab`` template of Voila links Font
Awesome from a CDN (``cdn.jsdelivr.net``); the icons the widgets use are already in Voila's
own bundle. :func:`install_template` copies the installed ``lab`` template as the template
``eyanalysis`` without those links, so an app page requests nothing outside 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

NAME = "eyanalysis"
#: Hosts a page of the apps must never request.
CDN_MARKERS = ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com")


def lab_template() -> Path:
    """The ``lab`` template folder of the installed Voila."""
    from jupyter_core.paths import jupyter_path

    for root in [Path(sys.prefix) / "share" / "jupyter",
                 *(Path(p) for p in jupyter_path())]:
        folder = root / "voila" / "templates" / "lab"
        if (folder / "index.html.j2").is_file():
            return folder
    raise FileNotFoundError("Voila's lab template was not found: install voila (the "
                            "README's main command does).")


def install_template(data_dir: Path | str) -> Path:
    """Write the ``eyanalysis`` template under ``data_dir/voila/templates`` (pass
    ``data_dir`` as ``JUPYTER_DATA_DIR``); returns its folder."""
    target = Path(data_dir) / "voila" / "templates" / NAME
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(lab_template(), target)
    index = target / "index.html.j2"
    lines = index.read_text(encoding="utf-8").splitlines(keepends=True)
    index.write_text("".join(line for line in lines
                             if not any(m in line for m in CDN_MARKERS)), encoding="utf-8")
    # everything else (macros, static files, nbconvert's lab template) from Voila's lab
    (target / "conf.json").write_text(json.dumps({"base_template": "lab"}), encoding="utf-8")
    return target
