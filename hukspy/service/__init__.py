"""The keystore service (docs/service.md): ``hukspy serve`` holds the backend and answers the HUKS and
ASSET API on a Unix socket (``hukspy.service.server``); ``Keystore("service:[PATH]")`` is its client
(``hukspy.service.client``); ``hukspy.service.wire`` is the protocol. Each caller uid's keys are kept
apart by ``Keystore.for_caller`` (``hukspy.access``).

Importing this package loads neither side (the client needs ``msgpack``; so does the server).
"""

from __future__ import annotations

__all__: list[str] = []
