"""Floor 2: the OCI runtime specification -- one container from a bundle.

- ``spec``       ``config.json``: what to run, with which root, mounts and limits
- ``init``       the container's first process: the start sequence, step by step
- ``container``  create / start / state / kill / delete and the four OCI states

This floor knows nothing of images, names or restart policies (that is ``engine/``).
"""
