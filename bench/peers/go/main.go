// Go net/http hello server for the verbosel benchmarks (standard library only).
//
// Usage: gohello PORT PAGE_FILE. Serves GET / with the 13-byte body "Hello, World!"
// (text/plain) and GET /index.html with the bytes of PAGE_FILE (text/html), on
// 127.0.0.1, keep-alive on. Run with GOMAXPROCS=1 to match the single-threaded peers.
package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
)

var hello = []byte("Hello, World!")

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gohello PORT PAGE_FILE")
		os.Exit(2)
	}
	port, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad port:", err)
		os.Exit(2)
	}
	page, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/plain")
			w.Write(hello)
		case "/index.html":
			w.Header().Set("Content-Type", "text/html")
			w.Write(page)
		default:
			http.NotFound(w, r)
		}
	})
	// No IdleTimeout: idle keep-alive connections stay open, as the per-connection
	// memory test needs (net/http's zero value means no limit).
	srv := &http.Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Handler: handler}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
