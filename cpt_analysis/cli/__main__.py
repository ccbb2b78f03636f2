"""``python -m cpt_analysis.cli``: the ``cpt-workbook`` command."""

import sys

from . import main

sys.exit(main())
