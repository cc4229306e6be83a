"""Stage 3b, the site: page models, charts, the Pelican glue, the atomic build, the preview server."""
