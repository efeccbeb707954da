"""The version of pycontainer-lab (read by `pcl --version` without importing anything else)."""

__version__ = "0.1.0"
