"""Version of the installed Levante distribution, which ships the SDK."""

from importlib import metadata

try:
    __version__ = metadata.version("levante")
except metadata.PackageNotFoundError:
    # Only when the source tree is imported without being installed.
    __version__ = "0.0.0+unknown"
