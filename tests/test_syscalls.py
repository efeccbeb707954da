"""The ctypes bindings: errors are OSErrors that name the call and its arguments."""

from __future__ import annotations

import errno

import pytest

from pycontainer_lab.linux import syscalls


def test_unshare_error_names_the_flags():
    with pytest.raises(OSError) as e:
        syscalls.unshare(0x1)  # not a namespace flag: the kernel says EINVAL, changes nothing
    assert e.value.errno == errno.EINVAL
    assert str(e.value) == "[Errno 22] unshare(0x1): Invalid argument"
    assert e.value.syscall == "unshare(0x1)"


def test_mount_error_is_the_matching_oserror_subclass(tmp_path):
    missing = str(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match=r"mount\('tmpfs', '.*missing', 'tmpfs', "
                                                r"MS_NOSUID\|MS_NODEV\)"):
        syscalls.mount("tmpfs", missing, "tmpfs", syscalls.MS_NOSUID | syscalls.MS_NODEV)


def test_umount_and_pivot_root_errors_name_their_arguments(tmp_path):
    with pytest.raises(OSError, match=rf"umount2\('{tmp_path}', MNT_DETACH\): Invalid argument"):
        syscalls.umount2(str(tmp_path), syscalls.MNT_DETACH)
    with pytest.raises(FileNotFoundError, match=r"pivot_root\('/nonexistent-pcl', '/x'\)"):
        syscalls.pivot_root("/nonexistent-pcl", "/x")


def test_setns_with_a_bad_fd():
    with pytest.raises(OSError, match=r"setns\(-1, CLONE_NEWUTS\): Bad file descriptor"):
        syscalls.setns(-1, syscalls.CLONE_NEWUTS)


def test_flag_names():
    assert syscalls.clone_flag_names(syscalls.CLONE_NEWNS | syscalls.CLONE_NEWPID) == \
        "CLONE_NEWNS|CLONE_NEWPID"
    assert syscalls.mount_flag_names(syscalls.MS_BIND | syscalls.MS_REC) == "MS_BIND|MS_REC"
    assert syscalls.mount_flag_names(0) == "0"
