// The board's live updates: it follows GET events (server-sent events),
// keeps the fleet the server sends, redraws rows as they change and ticks
// the countdowns every second. Countdowns count from the "now" of the last
// message (server or fleet clock), advanced by the browser's monotonic
// clock, never from the browser's own date. Plain script, no framework.
'use strict';
(function () {
  var clockEl = document.getElementById('clock');
  var rowsEl = document.getElementById('rows');
  var summaryEl = document.getElementById('summary');
  var connEl = document.getElementById('conn');
  var heartbeatMs = Number(document.body.dataset.heartbeatMs) || 15000;

  var systems = new Map();
  var order = [];
  var clock = { now: parseTime(clockEl.dataset.now), perf: performance.now(), mode: clockEl.dataset.mode, server: parseTime(clockEl.dataset.serverTime) };
  var lastMessage = performance.now();

  var levels = {
    cleared: 'Clear', info: 'Info', warning: 'Warning', minor: 'Minor', major: 'Major',
    critical: 'Critical', system_lock: 'System Lock', unknown: 'Unknown', unobserved: 'Detected'
  };
  var rank = ['cleared', 'info', 'warning', 'minor', 'major', 'critical', 'system_lock'];

  // Go writes nanoseconds; Date.parse is only sure of milliseconds.
  function parseTime(s) { return s ? Date.parse(String(s).replace(/(\.\d{3})\d+/, '$1')) : NaN; }
  function pageNow() { return clock.now + (performance.now() - clock.perf); }
  function safeLevel(l) { return String(l || 'unknown').replace(/[^a-z0-9_]/g, '_'); }
  function label(l) { return levels[l] || l; }
  function pad(n) { return (n < 10 ? '0' : '') + n; }

  function fmtTime(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ' UTC';
  }
  var months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  function fmtDay(ms) { var d = new Date(ms); return pad(d.getUTCDate()) + ' ' + months[d.getUTCMonth()]; }

  // As countdown and span in clock.go.
  function span(ms) {
    var s = Math.floor(ms / 1000);
    var days = Math.floor(s / 86400), hours = Math.floor(s / 3600) % 24, mins = Math.floor(s / 60) % 60, secs = s % 60;
    if (days > 0) return days + 'd ' + pad(hours) + 'h';
    if (hours > 0) return hours + 'h ' + pad(mins) + 'm';
    return mins + 'm ' + pad(secs) + 's';
  }
  // As farSpan in page.go.
  function farSpan(ms) {
    var year = 365.25 * 86400e3;
    return ms >= year ? (ms / year).toFixed(1) + ' years' : span(ms);
  }
  function countdown(now, t) {
    if (isNaN(t)) return '';
    var d = t - now;
    return d < 0 ? span(-d) + ' ago' : 'in ' + span(d);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null && text !== '') e.textContent = String(text);
    return e;
  }
  var svgNS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs) {
    var e = document.createElementNS(svgNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }

  function timeCell(cls, at) {
    var td = el('td', cls);
    var t = parseTime(at);
    if (isNaN(t)) return td;
    var c = el('time', 'countdown', countdown(pageNow(), t));
    c.setAttribute('datetime', at);
    c.dataset.t = String(t);
    td.appendChild(c);
    td.appendChild(el('div', 'abs', fmtTime(t)));
    return td;
  }

  // As layout in timeline.go.
  function layout(steps, now) {
    if (!steps || steps.length === 0) return null;
    var start = parseTime(steps[0].at);
    var end = Math.max(parseTime(steps[steps.length - 1].at), now);
    end += Math.max((end - start) / 12, 3600e3);
    var x = function (t) { return Math.min(Math.max((t - start) / (end - start) * 1000, 0), 1000); };
    var bars = [];
    for (var i = 0; i < steps.length; i++) {
      var from = parseTime(steps[i].at), to = i + 1 < steps.length ? parseTime(steps[i + 1].at) : end;
      var x0 = x(from), x1 = x(to);
      if (x1 <= x0) continue;
      bars.push({ x: x0, w: x1 - x0, step: steps[i] });
    }
    return { bars: bars, nowX: x(now) };
  }

  function timelineCell(s) {
    var td = el('td', 'tl');
    var lay = layout(s.timeline, pageNow());
    if (!lay) return td;
    var g = svg('svg', { 'class': 'timeline', viewBox: '0 0 1000 24', preserveAspectRatio: 'none', role: 'img', 'aria-label': 'escalation timeline' });
    lay.bars.forEach(function (b) {
      var r = svg('rect', { 'class': 'seg lvl-' + safeLevel(b.step.level) + (b.step.projected ? ' projected' : ''), x: b.x.toFixed(1), y: 2, width: b.w.toFixed(1), height: 20 });
      var title = svg('title', {});
      var when = fmtTime(parseTime(b.step.at));
      title.textContent = b.step.level === 'unobserved' ? 'not observed: detected ' + when :
        label(b.step.level) + (b.step.projected ? ' expected ' : ' from ') + when;
      r.appendChild(title);
      g.appendChild(r);
    });
    g.appendChild(svg('line', { 'class': 'now', x1: lay.nowX.toFixed(1), x2: lay.nowX.toFixed(1), y1: 0, y2: 24 }));
    td.appendChild(g);
    var cap = el('div', 'caption');
    s.timeline.forEach(function (st) {
      cap.appendChild(el('span', 'step lvl-' + safeLevel(st.level) + (st.projected ? ' projected' : ''), label(st.level) + ' ' + fmtDay(parseTime(st.at))));
    });
    td.appendChild(cap);
    return td;
  }

  function buildRow(s) {
    var lvl = safeLevel(s.level);
    var tr = el('tr', 'row lvl-' + lvl + (s.stale ? ' stale' : ''));
    tr.id = 'sys-' + s.key;
    tr.dataset.key = s.key;

    var sys = el('td', 'sys');
    sys.appendChild(el('span', 'name', s.system));
    if (s.stale) { sys.appendChild(document.createTextNode(' ')); sys.appendChild(el('span', 'tag', 'stale')); }
    (s.problems || []).forEach(function (p) { sys.appendChild(el('div', 'problem', p)); });
    tr.appendChild(sys);

    tr.appendChild(el('td', 'release', s.release));

    var level = el('td', 'level');
    level.appendChild(el('span', 'badge lvl-' + lvl + (s.level_uncertain ? ' uncertain' : ''), s.level_label + (s.level_uncertain ? '?' : '')));
    level.appendChild(el('div', 'meaning', s.meaning));
    tr.appendChild(level);

    tr.appendChild(el('td', 'cause', s.cause_label));
    tr.appendChild(el('td', 'day num', s.day || ''));

    var next = timeCell('next', s.next_escalation_at);
    if (next.firstChild) {
      next.insertBefore(document.createTextNode(' '), next.firstChild);
      next.insertBefore(el('span', 'badge small lvl-' + safeLevel(s.next_level), s.next_level_label), next.firstChild);
    }
    tr.appendChild(next);

    if (s.level === 'system_lock') {
      var lock = el('td', 'lock');
      lock.appendChild(el('span', 'locked', 'In System Lock'));
      if (s.level_since) lock.appendChild(el('div', 'abs', 'since ' + fmtTime(parseTime(s.level_since))));
      tr.appendChild(lock);
    } else {
      tr.appendChild(timeCell('lock', s.system_lock_at));
    }

    tr.appendChild(el('td', 'calls calls-' + safeLevel(s.calls), s.calls_label));
    tr.appendChild(timelineCell(s));
    return tr;
  }

  function renderSummary() {
    var counts = {};
    systems.forEach(function (s) { counts[s.level] = (counts[s.level] || 0) + 1; });
    var keys = rank.filter(function (l) { return counts[l]; });
    Object.keys(counts).sort().forEach(function (l) { if (rank.indexOf(l) < 0) keys.push(l); });
    summaryEl.replaceChildren();
    keys.forEach(function (l) {
      var c = el('span', 'chip lvl-' + safeLevel(l), label(l) + ' ');
      c.appendChild(el('b', '', counts[l]));
      summaryEl.appendChild(c);
    });
  }

  function renderAll() {
    var rows = order.map(function (k) { return buildRow(systems.get(k)); });
    if (rows.length === 0) {
      var tr = el('tr', 'empty'), td = el('td', '', 'No system in the licence bucket yet.');
      td.colSpan = 9;
      tr.appendChild(td);
      rows.push(tr);
    }
    rowsEl.replaceChildren.apply(rowsEl, rows);
    renderSummary();
  }

  function renderClock() {
    clockEl.className = 'clock clock-' + clock.mode;
    document.getElementById('clock-label').textContent = clock.mode === 'fleet' ? 'Fleet clock' : 'Time';
    document.getElementById('clock-now').textContent = fmtTime(pageNow());
    var note = '';
    if (clock.mode === 'fleet') {
      var d = clock.server - clock.now;
      note = 'fleet times are ' + farSpan(Math.abs(d)) + ' ' + (d >= 0 ? 'behind' : 'ahead of') + ' wall time; countdowns follow the fleet';
    }
    document.getElementById('clock-note').textContent = note;
  }

  function setClock(m) {
    clock = { now: parseTime(m.now), perf: performance.now(), mode: m.clock, server: parseTime(m.server_time) };
    lastMessage = performance.now();
    renderClock();
  }

  function setConn(state, text) {
    connEl.className = 'conn conn-' + state;
    connEl.textContent = text;
    connEl.title = '';
  }

  var ticks = 0;
  function tick() {
    var now = pageNow();
    document.querySelectorAll('time.countdown').forEach(function (c) {
      var t = Number(c.dataset.t || parseTime(c.getAttribute('datetime')));
      c.textContent = countdown(now, t);
      c.classList.toggle('past', t < now);
    });
    renderClock();
    if (++ticks % 30 === 0 && order.length) renderAll(); // move the timelines' now line
    if (performance.now() - lastMessage > 3 * heartbeatMs) setConn('silent', 'no news from server');
  }

  if (!window.EventSource) return; // the server-rendered page stays, reloading every minute

  function onSnapshot(e) {
    var m = JSON.parse(e.data);
    setClock(m);
    systems.clear();
    m.systems.forEach(function (s) { systems.set(s.key, s); });
    order = m.systems.map(function (s) { return s.key; });
    renderAll();
    setConn('live', 'live');
  }
  function onUpdate(e) {
    var m = JSON.parse(e.data);
    setClock(m);
    systems.set(m.system.key, m.system);
    order = m.order;
    renderAll();
  }
  function onRemove(e) {
    var m = JSON.parse(e.data);
    setClock(m);
    systems.delete(m.key);
    order = m.order;
    renderAll();
  }

  // EventSource reconnects by itself after a dropped connection, but gives
  // up on an HTTP error (the board restarting answers 503): then start a
  // new one after a pause, for a wall screen nobody reloads.
  function connect() {
    var es = new EventSource('events');
    es.addEventListener('open', function () { setConn('live', 'live'); });
    es.addEventListener('error', function () {
      setConn('reconnecting', 'reconnecting…');
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
    });
    es.addEventListener('snapshot', onSnapshot);
    es.addEventListener('update', onUpdate);
    es.addEventListener('remove', onRemove);
    es.addEventListener('heartbeat', function (e) { setClock(JSON.parse(e.data)); setConn('live', 'live'); });
  }
  connect();
  setInterval(tick, 1000);
  tick();
})();
