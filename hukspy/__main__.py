"""``python -m hukspy``: the ``hukspy`` command line (``hukspy.cli``)."""

from hukspy.cli import main

raise SystemExit(main())
