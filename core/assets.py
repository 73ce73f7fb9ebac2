"""The one lookup for shipped data (policy packs, translations, icons).

Works from a source checkout, from an installed wheel (where assets/ ships as the
`appwarden.assets` package, beside `appwarden.core`) and from a PyInstaller bundle (sys._MEIPASS/assets).
"""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def assets_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "assets"
    beside_source = Path(__file__).resolve().parent.parent / "assets"
    if (beside_source / "policies").is_dir():
        return beside_source
    spec = importlib.util.find_spec("appwarden.assets")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return beside_source


def asset_path(*parts: str) -> Path:
    return assets_dir().joinpath(*parts)
