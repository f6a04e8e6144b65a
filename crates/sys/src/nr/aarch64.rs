//! aarch64's numbers: the generic table (`include/uapi/asm-generic/unistd.h`, 64-bit names),
//! only those verbosel makes. Keep the lines in the order of `x86_64.rs`, so that the two read
//! side by side.

super::table! {
    arch: "aarch64",
    // AUDIT_ARCH_AARCH64: EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.
    audit_arch: 183 | 0x8000_0000 | 0x4000_0000;
    // I/O and descriptors
    READ = 63,
    WRITE = 64,
    WRITEV = 66,
    SENDFILE = 71,
    CLOSE = 57,
    PIPE2 = 59,
    DUP3 = 24,
    FCNTL = 25,
    PPOLL = 73,
    // files (start-up only)
    OPENAT = 56,
    LSEEK = 62,
    // files beneath a folder (--root, --data)
    OPENAT2 = 437,
    STATX = 291,
    GETDENTS64 = 61,
    // files changed beneath a folder (--data)
    FSYNC = 82,
    FLOCK = 32,
    RENAMEAT2 = 276,
    MKDIRAT = 34,
    UNLINKAT = 35,
    // memory
    MMAP = 222,
    MUNMAP = 215,
    MREMAP = 216,
    MADVISE = 233,
    // signals
    RT_SIGACTION = 134,
    RT_SIGPROCMASK = 135,
    RT_SIGRETURN = 139,
    RESTART_SYSCALL = 128,
    // processes and identity
    CLONE = 220,
    // no FORK: clone(SIGCHLD) is the fork of this table
    EXECVE = 221,
    EXIT = 93,
    EXIT_GROUP = 94,
    WAIT4 = 260,
    KILL = 129,
    GETPID = 172,
    GETPPID = 173,
    GETUID = 174,
    GETEUID = 175,
    SETUID = 146,
    SETGID = 144,
    SETGROUPS = 159,
    PRCTL = 167,
    PRLIMIT64 = 261,
    SCHED_SETSCHEDULER = 119,
    // sockets
    SOCKET = 198,
    BIND = 200,
    LISTEN = 201,
    ACCEPT4 = 242,
    CONNECT = 203,
    GETSOCKNAME = 204,
    SETSOCKOPT = 208,
    SHUTDOWN = 210,
    // time
    CLOCK_GETTIME = 113,
    // the sandbox
    SECCOMP = 277,
    LANDLOCK_CREATE_RULESET = 444,
    LANDLOCK_ADD_RULE = 445,
    LANDLOCK_RESTRICT_SELF = 446,
}
