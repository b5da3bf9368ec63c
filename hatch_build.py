"""The wheel's build hook: the query UI's YASGUI build (MIT, with its licence) goes into the wheel
from ``node_modules`` (``npm ci``), so that an installed wheel serves the full site. Without it (an
install before ``npm ci``) the wheel is built without the UI's assets and one line says how to add
them, instead of hatchling's traceback of a missing file; the server then says the same on the
assets' URLs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = "node_modules/@triply/yasgui/"
FILES = ("build/yasgui.min.js", "build/yasgui.min.css", "build/yasgui.min.js.LICENSE.txt", "LICENSE.txt")
YASGUI = {PACKAGE + name: "icmpd_kg/_resources/yasgui/" + Path(name).name for name in FILES}


class YasguiAssets(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        missing = [source for source in YASGUI if not (root / source).is_file()]
        if missing:
            sys.stderr.write(
                "icmpd-kg: the query UI's assets (YASGUI) are not in node_modules: run 'npm ci' "
                "first and install again; this build has no query UI\n"
            )
            return
        for source, target in YASGUI.items():
            build_data["force_include"][str(root / source)] = target
