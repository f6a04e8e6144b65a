// Express hello server for the verbosel benchmarks, one Node process.
//
// Usage: node server.js PORT PAGE_FILE. Serves GET / with the 13-byte body
// "Hello, World!" (text/plain) and GET /index.html with the bytes of PAGE_FILE
// (text/html), on 127.0.0.1, keep-alive on. Express's defaults (ETag,
// X-Powered-By) are left as a user would get them.
'use strict';
const fs = require('fs');
const express = require('express');

const [port, file] = process.argv.slice(2);
if (!port || !file) {
  console.error('usage: node server.js PORT PAGE_FILE');
  process.exit(2);
}
const page = fs.readFileSync(file);
const app = express();
app.get('/', (req, res) => res.type('text/plain').send('Hello, World!'));
app.get('/index.html', (req, res) => res.type('text/html').send(page));
const server = app.listen(Number(port), '127.0.0.1');
// Node closes idle keep-alive connections after 5 s by default; match verbosel's 65 s so
// the per-connection memory test's idle connections stay open.
server.keepAliveTimeout = 65000;
server.headersTimeout = 66000;
