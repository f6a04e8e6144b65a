//! x86_64's numbers (`arch/x86/entry/syscalls/syscall_64.tbl`), only those verbosel makes. Keep
//! the lines in the order of `aarch64.rs`, so that the two read side by side.

super::table! {
    arch: "x86_64",
    // AUDIT_ARCH_X86_64: EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.
    audit_arch: 62 | 0x8000_0000 | 0x4000_0000;
    // I/O and descriptors
    READ = 0,
    WRITE = 1,
    WRITEV = 20,
    SENDFILE = 40,
    CLOSE = 3,
    PIPE2 = 293,
    DUP3 = 292,
    FCNTL = 72,
    PPOLL = 271,
    // files (start-up only)
    OPENAT = 257,
    LSEEK = 8,
    // files beneath a folder (--root, --data)
    OPENAT2 = 437,
    STATX = 332,
    GETDENTS64 = 217,
    // files changed beneath a folder (--data)
    FSYNC = 74,
    FLOCK = 73,
    RENAMEAT2 = 316,
    MKDIRAT = 258,
    UNLINKAT = 263,
    // memory
    MMAP = 9,
    MUNMAP = 11,
    MREMAP = 25,
    MADVISE = 28,
    // signals
    RT_SIGACTION = 13,
    RT_SIGPROCMASK = 14,
    RT_SIGRETURN = 15,
    RESTART_SYSCALL = 219,
    // processes and identity
    CLONE = 56,
    FORK = 57,
    EXECVE = 59,
    EXIT = 60,
    EXIT_GROUP = 231,
    WAIT4 = 61,
    KILL = 62,
    GETPID = 39,
    GETPPID = 110,
    GETUID = 102,
    GETEUID = 107,
    SETUID = 105,
    SETGID = 106,
    SETGROUPS = 116,
    PRCTL = 157,
    PRLIMIT64 = 302,
    SCHED_SETSCHEDULER = 144,
    // sockets
    SOCKET = 41,
    BIND = 49,
    LISTEN = 50,
    ACCEPT4 = 288,
    CONNECT = 42,
    GETSOCKNAME = 51,
    SETSOCKOPT = 54,
    SHUTDOWN = 48,
    // time
    CLOCK_GETTIME = 228,
    // the sandbox
    SECCOMP = 317,
    LANDLOCK_CREATE_RULESET = 444,
    LANDLOCK_ADD_RULE = 445,
    LANDLOCK_RESTRICT_SELF = 446,
}
