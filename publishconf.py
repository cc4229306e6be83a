"""Settings for the published site: pelicanconf.py plus the public address.

Build with `make publish SITEURL=https://example.org` (or set WARMTH_SITEURL).
"""

import os
import sys

sys.path.append(os.path.dirname(__file__))
from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("WARMTH_SITEURL", "").rstrip("/")
RELATIVE_URLS = not SITEURL
