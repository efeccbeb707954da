"""One module per ``pcl`` command (or group), each with ``add_arguments`` and ``run``."""
