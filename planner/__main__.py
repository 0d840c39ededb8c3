"""``python -m planner``: the same command line as the ``planner`` console script."""

import sys

from planner.cli.main import main

sys.exit(main())
