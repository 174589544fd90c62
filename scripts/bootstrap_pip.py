"""Give a pip-less virtual environment its pip, from PyPI, using only the standard library.

Debian/Ubuntu ship Python without ``ensurepip`` unless python3-venv is installed; then
``python3 -m venv`` fails. ``./dev`` falls back to ``python3 -m venv --without-pip`` and runs
this with the new environment's interpreter: it downloads pip's wheel and runs pip from it.
"""

import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as response:
    release = json.load(response)
wheel = next(f for f in release["urls"] if f["filename"].endswith(".whl"))
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / wheel["filename"]
    with urllib.request.urlopen(wheel["url"], timeout=120) as response:
        path.write_bytes(response.read())
    subprocess.run([sys.executable, f"{path}/pip", "install", "--quiet", str(path)], check=True)
