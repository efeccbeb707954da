"""Floor 2: OCI images -- stored, unpacked, moved (syllabus S2, S6.2).

- ``reference``   what ``busybox`` means: ``docker.io/library/busybox:latest``
- ``oci``         descriptors, configs, manifests, indexes; choosing a platform
- ``digests``     content addressing: hashing while streaming
- ``compression`` gzip, zstd (with the zstandard package)
- ``extract``     layer tar → directory (overlay format), treating every archive as hostile
- ``pack``        directory → layer tar (whiteouts translated back): what ``commit`` uses
- ``layout``      the OCI image layout on disk; atomic writes under a lock
- ``staging``     scratch space where a new image is checked before the store takes it
- ``store``       the image store: names, IDs, layers, rmi rules, garbage collection
- ``busybox``     the offline base image
- ``archive``     ``save`` and ``load``: Docker archives and OCI archives
- ``dockerfile``  ``-c 'CMD ["sh"]'``: Dockerfile instructions applied to a config
- ``docker``      Docker's views of an image: inspect JSON, history rows
- ``usage``       the hook through which containers protect their images from ``rmi``

This floor imports only ``linux/``, ``tracing``, ``paths`` and ``errors``; it never starts a
container.
"""
