import sys

from alv.cli import main

sys.exit(main())
