//! x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl), only those verbosel makes.

pub const READ: usize = 0;
pub const WRITE: usize = 1;
pub const CLOSE: usize = 3;
pub const LSEEK: usize = 8;
pub const MMAP: usize = 9;
pub const MUNMAP: usize = 11;
pub const RT_SIGACTION: usize = 13;
pub const RT_SIGPROCMASK: usize = 14;
pub const RT_SIGRETURN: usize = 15;
pub const WRITEV: usize = 20;
pub const SENDFILE: usize = 40;
pub const SOCKET: usize = 41;
pub const CONNECT: usize = 42;
pub const SHUTDOWN: usize = 48;
pub const BIND: usize = 49;
pub const LISTEN: usize = 50;
pub const GETSOCKNAME: usize = 51;
pub const SETSOCKOPT: usize = 54;
pub const CLONE: usize = 56;
pub const FORK: usize = 57;
pub const EXIT: usize = 60;
pub const WAIT4: usize = 61;
pub const KILL: usize = 62;
pub const GETUID: usize = 102;
pub const SETUID: usize = 105;
pub const SETGID: usize = 106;
pub const GETEUID: usize = 107;
pub const GETPPID: usize = 110;
pub const SETGROUPS: usize = 116;
pub const PRCTL: usize = 157;
pub const GETPID: usize = 39;
pub const CLOCK_GETTIME: usize = 228;
pub const EXIT_GROUP: usize = 231;
pub const OPENAT: usize = 257;
pub const PPOLL: usize = 271;
pub const ACCEPT4: usize = 288;
pub const PRLIMIT64: usize = 302;
pub const SECCOMP: usize = 317;
pub const RESTART_SYSCALL: usize = 219;
pub const PIPE2: usize = 293;
pub const DUP3: usize = 292;
pub const FCNTL: usize = 72;
pub const EXECVE: usize = 59;
pub const MADVISE: usize = 28;
pub const MREMAP: usize = 25;
pub const SCHED_SETSCHEDULER: usize = 144;

/// Every system call verbosel's code can make, by name and number, in the order of the table above.
pub const SYSCALLS: &[(&str, usize)] = &[
    ("read", READ),
    ("write", WRITE),
    ("close", CLOSE),
    ("lseek", LSEEK),
    ("mmap", MMAP),
    ("munmap", MUNMAP),
    ("rt_sigaction", RT_SIGACTION),
    ("rt_sigprocmask", RT_SIGPROCMASK),
    ("rt_sigreturn", RT_SIGRETURN),
    ("writev", WRITEV),
    ("sendfile", SENDFILE),
    ("socket", SOCKET),
    ("connect", CONNECT),
    ("shutdown", SHUTDOWN),
    ("bind", BIND),
    ("listen", LISTEN),
    ("getsockname", GETSOCKNAME),
    ("setsockopt", SETSOCKOPT),
    ("clone", CLONE),
    ("fork", FORK),
    ("exit", EXIT),
    ("wait4", WAIT4),
    ("kill", KILL),
    ("getuid", GETUID),
    ("setuid", SETUID),
    ("setgid", SETGID),
    ("geteuid", GETEUID),
    ("getppid", GETPPID),
    ("setgroups", SETGROUPS),
    ("prctl", PRCTL),
    ("getpid", GETPID),
    ("clock_gettime", CLOCK_GETTIME),
    ("exit_group", EXIT_GROUP),
    ("openat", OPENAT),
    ("ppoll", PPOLL),
    ("accept4", ACCEPT4),
    ("prlimit64", PRLIMIT64),
    ("seccomp", SECCOMP),
    ("restart_syscall", RESTART_SYSCALL),
    ("pipe2", PIPE2),
    ("dup3", DUP3),
    ("fcntl", FCNTL),
    ("execve", EXECVE),
    ("madvise", MADVISE),
    ("mremap", MREMAP),
    ("sched_setscheduler", SCHED_SETSCHEDULER),
];
