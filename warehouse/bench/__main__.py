"""`python -m warehouse.bench`: see `warehouse.bench.measure`."""

import sys

from warehouse.bench.measure import main

sys.exit(main())
