"""How a query worker is confined: no network, and a memory cap (issue 15).

The guard (:mod:`rekg.graph.sparql.guard`) is the rule; these are the second and third walls,
set by each worker right after it is forked and reported by
:attr:`rekg.graph.sparql.pool.WorkerPool.sandbox`:

* :func:`enter_empty_network` moves the worker into an empty network namespace, where the
  kernel allows unprivileged user namespaces (many container profiles do not);
* :func:`install_no_socket_filter` loads a seccomp filter (a small BPF program, loaded with
  ``prctl``) under which ``socket()`` fails with ``EACCES`` for every address family, and
  ``io_uring_setup`` (which could open sockets behind seccomp's back) with ``ENOSYS``. That needs
  no privilege, only a kernel with seccomp (Linux 3.5+) on x86-64 or arm64. Every family, not
  only IPv4 and IPv6: a worker needs no new socket at all, and a Unix socket to a local resolver
  (nscd, systemd-resolved) would let a query leak a name through DNS. A blocked attempt fails the
  same way whatever its target, so nothing can be learnt about ports. (Not pyseccomp: its last
  release is from 2021 and it needs the system's libseccomp.)
* :func:`cap_memory` caps what the worker may allocate with ``RLIMIT_DATA``. A query can
  allocate about 1 GB/s (a large string joined into every row; a cartesian product under
  ``ORDER BY``). Not ``RLIMIT_AS``, which counts every reservation: the 512 MB evaluation stack,
  glibc's 64 MB arena reservations, and the files RocksDB maps; ``RLIMIT_DATA`` counts private
  writable memory only, so a store on disk mapped read-only does not eat into the cap. Not a
  watchdog reading the worker's RSS: at 1 GB/s a poll every 50 ms overshoots by 50 MB or more.
  Under the rlimit the allocation that would cross the cap fails at once: Oxigraph (Rust) aborts
  the worker, Python raises ``MemoryError``.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import resource
import stat
from pathlib import Path
from typing import Any

__all__ = [
    "MB",
    "cap_memory",
    "default_memory_mb",
    "detach_sockets",
    "enter_empty_network",
    "install_no_socket_filter",
    "libc",
    "machine_memory_bytes",
    "status_bytes",
]

MB = 2**20
_PR_SET_SECCOMP = 22
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_MODE_FILTER = 2
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


def libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - not Linux
        return None


def machine_memory_bytes() -> int:
    """The memory this process may use: the machine's RAM, or its cgroup's limit when lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        with contextlib.suppress(OSError, ValueError):
            total = min(total, int(Path(limit).read_text().strip()))  # "max" (no limit) is a ValueError
    return total


def default_memory_mb(workers: int) -> int:
    """The automatic per-worker memory cap: half the machine's memory shared among the workers.

    At most 1024 MB (more than a query over a million quads needs for a result of 10,000 rows),
    at least 128 MB.

    Examples
    --------
    >>> 128 <= default_memory_mb(2) <= 1024
    True
    """
    return max(128, min(1024, machine_memory_bytes() // MB // (2 * max(workers, 1))))


def status_bytes(pid: int | str, key: str) -> int | None:
    """A ``kB`` figure of ``/proc/PID/status`` (``VmData``, ``RssAnon``...), in bytes."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(key.encode() + b":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def detach_sockets(keep: int) -> None:
    """Point every inherited socket except ``keep`` at /dev/null (numbers stay taken)."""
    try:
        fds = [int(x) for x in os.listdir("/proc/self/fd")]
    except OSError:  # pragma: no cover - no /proc
        return
    null = os.open(os.devnull, os.O_RDWR)
    for fd in fds:
        if fd in (keep, null):
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.dup2(null, fd)
        except OSError:
            pass
    os.close(null)


# -- the seccomp filter -------------------------------------------------------------------------
# struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; }
_BPF_LD_W_ABS = 0x00 | 0x00 | 0x20
_BPF_JEQ_K = 0x05 | 0x10 | 0x00
_BPF_JGE_K = 0x05 | 0x30 | 0x00
_BPF_RET_K = 0x06 | 0x00
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_NR_SOCKET = {"x86_64": 41, "aarch64": 198}
_NR_IO_URING_SETUP = 425  # the same number on every architecture
_X32_SYSCALL_BIT = 0x40000000


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _no_socket_program(machine: str) -> list[tuple[int, int, int, int]] | None:
    """The BPF program: ``socket()`` fails with EACCES, ``io_uring_setup`` with ENOSYS, the rest runs.

    ``None`` on an architecture it does not know. Jump offsets count from the next instruction.
    """
    arch = _AUDIT_ARCH.get(machine)
    if arch is None:
        return None
    deny = (_BPF_RET_K, 0, 0, _RET_ERRNO | errno.EACCES)
    program = [
        (_BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (_BPF_JEQ_K, 1, 0, arch),
        deny,  # another ABI (i386 through int 0x80): nothing in a worker uses it, so nothing gets round the filter
        (_BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
    ]
    if machine == "x86_64":
        program += [(_BPF_JGE_K, 0, 1, _X32_SYSCALL_BIT), deny]  # the x32 ABI's numbers, likewise
    program += [
        (_BPF_JEQ_K, 0, 1, _NR_SOCKET[machine]),
        deny,
        (_BPF_JEQ_K, 0, 1, _NR_IO_URING_SETUP),
        (_BPF_RET_K, 0, 0, _RET_ERRNO | errno.ENOSYS),
        (_BPF_RET_K, 0, 0, _RET_ALLOW),
    ]
    return program


def install_no_socket_filter(libc: Any) -> bool:
    """Load the filter into this process (its current and future threads); whether that worked."""
    program = _no_socket_program(os.uname().machine)
    if libc is None or program is None:
        return False
    insns = (_SockFilter * len(program))(*(_SockFilter(*insn) for insn in program))
    prog = _SockFprog(len(program), insns)
    ulong = ctypes.c_ulong
    # Without privileges, a filter may only be installed once the process can gain none (setuid...).
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, ulong(1), ulong(0), ulong(0), ulong(0)) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, ulong(_SECCOMP_MODE_FILTER), ctypes.byref(prog), ulong(0), ulong(0)) == 0


def cap_memory(extra: int) -> None:
    """Let this process allocate ``extra`` bytes of private writable memory beyond what it has now."""
    now = status_bytes("self", "VmData")
    if now is None:  # pragma: no cover - no /proc
        return
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    soft = now + extra if hard == resource.RLIM_INFINITY else min(now + extra, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def enter_empty_network(libc: Any) -> bool:
    """Move this process into a new user and network namespace with no interfaces; whether that worked."""
    return libc is not None and libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0
