//! The program's arguments and environment, read in place from the initial stack.

use core::ffi::CStr;

/// Command-line arguments and environment variables, as byte strings borrowed from the initial
/// stack (they live as long as the process).
#[derive(Clone, Copy)]
pub struct Env {
    argc: usize,
    argv: *const *const u8,
    envp: *const *const u8,
}

impl Env {
    /// # Safety
    /// `argv` must point at `argc` valid C strings followed by NULL; `envp` at a NULL-terminated
    /// array of valid C strings; all must live for the whole process.
    pub(crate) unsafe fn new(argc: usize, argv: *const *const u8, envp: *const *const u8) -> Env {
        Env { argc, argv, envp }
    }

    /// An environment with no arguments and no variables (for tests and embedding).
    pub const fn empty() -> Env {
        static NULL: [usize; 1] = [0];
        Env {
            argc: 0,
            argv: NULL.as_ptr() as *const *const u8,
            envp: NULL.as_ptr() as *const *const u8,
        }
    }

    /// The number of arguments, the program name included.
    pub fn len(&self) -> usize {
        self.argc
    }

    /// True when there are no arguments at all (not even the program name).
    pub fn is_empty(&self) -> bool {
        self.argc == 0
    }

    /// Argument `i` (0 is the program name).
    pub fn arg(&self, i: usize) -> Option<&'static [u8]> {
        if i >= self.argc {
            return None;
        }
        // SAFETY: `i < argc`, and `new`'s contract makes argv[i] a valid, immortal C string.
        Some(unsafe { CStr::from_ptr(*self.argv.add(i) as *const core::ffi::c_char) }.to_bytes())
    }

    /// The arguments after the program name.
    pub fn args(&self) -> impl Iterator<Item = &'static [u8]> + '_ {
        (1..self.argc).filter_map(|i| self.arg(i))
    }

    /// The value of environment variable `name`.
    pub fn var(&self, name: &[u8]) -> Option<&'static [u8]> {
        let mut i = 0;
        loop {
            // SAFETY: `new`'s contract: envp is NULL-terminated; we stop at the NULL.
            let p = unsafe { *self.envp.add(i) };
            if p.is_null() {
                return None;
            }
            // SAFETY: a non-NULL envp entry is a valid, immortal C string.
            let entry = unsafe { CStr::from_ptr(p as *const core::ffi::c_char) }.to_bytes();
            if entry.len() > name.len() && entry.starts_with(name) && entry[name.len()] == b'=' {
                return Some(&entry[name.len() + 1..]);
            }
            i += 1;
        }
    }
}
