// verbosel landing page: retype the boot log, size benchmark bars, show live stats.
// Everything here is optional: without JS the page already shows its final text.
(function () {
  'use strict';
  var d = document;
  var still = matchMedia('(prefers-reduced-motion: reduce)').matches;

  // Bars carry data-w="73" (percent); CSP forbids style attributes, the CSSOM is fine.
  var bars = d.querySelectorAll('.bench-bar[data-w]');
  function grow(b) {
    var w = parseFloat(b.getAttribute('data-w'));
    if (w >= 0) b.style.setProperty('--w', Math.min(w, 100) + '%');
  }
  if (still || !window.IntersectionObserver) {
    bars.forEach(grow);
  } else {
    var io = new IntersectionObserver(function (es) {
      es.forEach(function (e) {
        if (e.isIntersecting) { grow(e.target); io.unobserve(e.target); }
      });
    });
    bars.forEach(function (b) { b.style.setProperty('--w', '0%'); io.observe(b); });
  }

  fetch('/stats.json', { cache: 'no-store' })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (s) {
      if (!s) return;
      var n = s.binary_bytes, el = d.getElementById('size'), p = d.getElementById('pid');
      if (n > 0 && el) el.textContent = n.toLocaleString('en-US') + ' bytes';
      if (s.pid > 0 && p) {
        p.textContent = 'this page was served by pid ' + s.pid + ', a process forked just for you';
        p.hidden = false;
      }
    })
    .catch(function () {});

  var pre = d.getElementById('boot');
  if (!pre || still) return;
  var parts = [], walk = d.createTreeWalker(pre, NodeFilter.SHOW_TEXT), t;
  pre.style.minHeight = pre.offsetHeight + 'px';
  while ((t = walk.nextNode())) parts.push([t, t.data]);
  parts.forEach(function (q) { q[0].data = ''; });
  var cur = d.createElement('span'), i = 0, j = 0, timer;
  cur.className = 'cur';
  pre.appendChild(cur);
  pre.setAttribute('aria-busy', 'true');

  function done() {
    clearTimeout(timer);
    parts.forEach(function (q) { q[0].data = q[1]; });
    pre.appendChild(cur);
    pre.removeAttribute('aria-busy');
  }
  function step() {
    var q = parts[i];
    if (!q) return done();
    var node = q[0], s = q[1];
    node.parentNode.insertBefore(cur, node.nextSibling);
    // Program output arrives whole, as it would from the kernel.
    if (node.parentNode.className === 'o') {
      return (timer = setTimeout(function () { node.data = s; i++; step(); }, 420));
    }
    if (j >= s.length) { i++; j = 0; return step(); }
    var ch = s.charAt(j++);
    node.data += ch;
    timer = setTimeout(step, ch === '\n' ? 200 : 6 + Math.random() * 16);
  }
  pre.addEventListener('click', done);
  timer = setTimeout(step, 300);
})();
