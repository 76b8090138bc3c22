"""Let `python -m podcast_site` run the same commands as `podcast-site`."""

import sys

from podcast_site.cli import main

sys.exit(main())
