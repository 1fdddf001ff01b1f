"""Print ``name==version`` for the lower bounds of the dependencies CI tests at their minimum.

The versions come from pyproject.toml, so the second CI environment always tests what
the package declares.
"""

import re
import tomllib
from pathlib import Path

TESTED_AT_MINIMUM = ("scikit-learn", "skorch", "imbalanced-learn")

project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
for requirement in project["dependencies"]:
    name = re.split(r"[<>=!~ ]", requirement, maxsplit=1)[0]
    if name in TESTED_AT_MINIMUM:
        print(f"{name}=={re.search(r'>=([^,]+)', requirement).group(1)}")
