"""The callbacks through which the library reports (it never prints), each type defined once.

A command of the CLI passes its progress bar or message printer; a script passes its own
function. With several processes a callback must be picklable (a module-level function or
a class instance), since rank 0 calls it in its own process.
"""
from __future__ import annotations

from typing import Callable, Optional

# (items done, items to do): frames inferred, pictures drawn, training iterations.
ProgressCallback = Callable[[int, int], None]
# (file name, bytes done, bytes in all or None when the server does not say): downloads.
ByteProgressCallback = Callable[[str, int, Optional[int]], None]
# (level "info" | "warning", one line for the user).
MessageCallback = Callable[[str, str], None]
