//! Route arbitrary methods and paths through a table with every pattern kind; a match must
//! capture parameters that are pieces of the path, and routing must agree with itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use verbosel_http::Method;
use verbosel_router::{Match, Route, allowed, route};

const ROUTES: &[Route<u8>] = &[
    Route::new(Method::Get, "/", 0),
    Route::new(Method::Get, "/hello/:name", 1),
    Route::new(Method::Post, "/items", 2),
    Route::new(Method::Delete, "/items/:id", 3),
    Route::new(Method::Get, "/static/*path", 4),
    Route::new(Method::Get, "/a/:x/b/:y/c/:z", 5),
    Route::new(Method::Put, "/h%65llo/:n", 6),
];

const METHODS: [Method; 10] = [
    Method::Get,
    Method::Head,
    Method::Post,
    Method::Put,
    Method::Delete,
    Method::Connect,
    Method::Options,
    Method::Trace,
    Method::Patch,
    Method::Other,
];

fuzz_target!(|data: &[u8]| {
    let Some((&m, path)) = data.split_first() else { return };
    let method = METHODS[m as usize % METHODS.len()];
    match route(ROUTES, method, path) {
        Match::Found { route: r, params } => {
            assert!(r.method == method || (r.method == Method::Get && method == Method::Head));
            for (_, value) in params.iter() {
                let start = value.as_ptr() as usize - path.as_ptr() as usize;
                assert!(start + value.len() <= path.len(), "parameter outside the path");
                assert!(!value.is_empty() || r.pattern.contains('*'), "empty :param");
            }
            assert!(allowed(ROUTES, path).contains(method));
        }
        Match::MethodNotAllowed(set) => {
            assert!(!set.is_empty() && !set.contains(method));
            assert_eq!(set, allowed(ROUTES, path));
        }
        Match::NotFound => assert!(allowed(ROUTES, path).is_empty()),
    }
});
