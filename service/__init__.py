"""harmlabel runtime: scoring, policy, media signals, review queue.

Nothing under `service/` imports `training/` or torch: serving stays slim.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("harmlabel")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+source"
