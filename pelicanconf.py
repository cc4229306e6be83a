"""Pelican settings for the disclosure site (local preview and the default build).

The data pages come from the `warmth` plugin in plugins/; its own settings are
listed in README ("Settings"). Build with `make site`, not plain `pelican`:
the build command also fails on logged errors and swaps the output in atomically.
"""

AUTHOR = "乐山市总工会"
SITENAME = "送温暖款物公开"
SITEURL = ""
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh_cn"

PATH = "content"
PAGE_PATHS = ["pages"]
ARTICLE_PATHS = ["news"]  # no articles yet; round narratives are read by the plugin
STATIC_PATHS = ["images", "guide"]  # guide/: the districts' blank template (make template)
THEME = "theme"

PLUGIN_PATHS = ["plugins"]
PLUGINS = ["warmth"]

WARMTH_DATA = "data"
WARMTH_CACHE = ".cache/warmth"
WARMTH_ROUND_NOTES = "content/rounds"

# Security: escape everything the templates print unless marked safe.
JINJA_ENVIRONMENT = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True, "extensions": []}

# Clean URLs: /about/ instead of /pages/about.html
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"

# A disclosure site, not a blog: no feeds, archives, tags or authors; the
# plugin writes the home page.
DIRECT_TEMPLATES = []
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
ARCHIVES_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
ARTICLE_SAVE_AS = ""

DEFAULT_PAGINATION = False
RELATIVE_URLS = True
# Reproducible output: nothing depends on the clock.
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
