// The demo page of a live session: everything it shows comes from the sessions API and the session's event stream.
// The countdown runs on server time (offset measured from the API's server_time), never on the browser clock alone.
(() => {
  'use strict';
  const sessionId = idFromPath();
  // The id goes into URLs as one encoded path segment, never as a path of its own (`../../admin/…`).
  const sid = encodeURIComponent(sessionId);
  const token = tokenFromFragment();
  const $ = (id) => document.getElementById(id);
  let expiresAt = null;
  let clockOffsetMs = 0; // server time − browser time
  let finished = false;

  $('session-id').textContent = sessionId;
  $('me').textContent = subjectOf(token) || 'anonymous';

  function idFromPath() {
    try { return decodeURIComponent(location.pathname.split('/')[3] || ''); } catch { return ''; }
  }
  // The token comes only from the fragment (#token=…), which the browser never sends to a server or in a Referer;
  // a ?token= query string would be logged by every proxy on the way. Once read, it leaves the address bar.
  function tokenFromFragment() {
    const t = new URLSearchParams(location.hash.slice(1)).get('token');
    if (t) {
      sessionStorage.setItem('hourglass.token', t);
      history.replaceState(null, '', location.pathname + location.search);
    }
    return t || sessionStorage.getItem('hourglass.token') || '';
  }
  function subjectOf(jwt) {
    try { return JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub; } catch { return null; }
  }
  async function call(method, path, body) {
    const res = await fetch(path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(json.message || `HTTP ${res.status}`), { status: res.status, body: json });
    return json;
  }
  function say(text) { $('action-message').textContent = text; }
  function logEvent(name, data) {
    const li = document.createElement('li');
    li.textContent = `${new Date().toLocaleTimeString()} ${name} ${data ? JSON.stringify(data) : ''}`;
    $('events').prepend(li);
  }

  async function refresh() {
    const sentAt = Date.now();
    const s = await call('GET', `/api/sessions/${sid}`);
    const receivedAt = Date.now();
    clockOffsetMs = Date.parse(s.server_time) - (sentAt + receivedAt) / 2;
    show(s);
    return s;
  }
  function show(s) {
    expiresAt = Date.parse(s.expires_at);
    $('expires-at').textContent = new Date(expiresAt).toISOString().slice(11, 19);
    $('status').textContent = s.status;
    if (s.status !== 'active') finish(s.status);
  }
  function tick() {
    if (expiresAt === null) return;
    const left = Math.max(0, Math.round((expiresAt - (Date.now() + clockOffsetMs)) / 1000));
    $('countdown').textContent = `${String(Math.floor(left / 60)).padStart(2, '0')}:${String(left % 60).padStart(2, '0')}`;
  }
  function finish(status, byOther) {
    if (finished) return;
    finished = true;
    $('extend').disabled = true;
    $('end').disabled = true;
    say(byOther ? 'The session was ended by the other participant.' : `The session is ${status}.`);
    setTimeout(() => location.assign(`/demo/sessions/${sid}/summary`), 1500);
  }

  async function loadFiles() {
    const { files } = await call('GET', `/api/sessions/${sid}/files`);
    $('files').replaceChildren(...files.map((f) => {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = f.download_url;
      a.textContent = f.filename;
      li.append(a, ` (${f.size_bytes} bytes, ${f.content_type})`);
      return li;
    }));
  }

  function listen() {
    const es = new EventSource(`/api/sessions/${sid}/events?access_token=${encodeURIComponent(token)}`);
    es.onopen = () => { $('reconnect').hidden = true; };
    es.onerror = () => { if (!finished) $('reconnect').hidden = false; };
    const on = (name, handler) => es.addEventListener(name, (e) => { const data = JSON.parse(e.data); logEvent(name, data); handler(data); });
    on('session:started', () => undefined);
    on('session:extended', (d) => { expiresAt = Date.parse(d.expires_at); $('ending-soon').hidden = true; show({ ...d, status: 'active' }); refresh().catch(() => undefined); });
    on('session:ending_soon', () => { $('ending-soon').hidden = false; });
    on('session:ended', (d) => { $('status').textContent = 'ended'; finish('ended', d.ended_by && d.ended_by !== subjectOf(token)); es.close(); });
    on('session:expired', () => { $('status').textContent = 'expired'; finish('expired'); es.close(); });
    on('file:added', () => loadFiles().catch(() => undefined));
  }

  $('extend').onclick = async () => {
    try {
      const c = await call('POST', `/api/sessions/${sid}/extend`, { minutes: Number($('extend-minutes').value) });
      say(`Checkout ${c.checkout_session_id} opened — the timer moves as soon as the payment is confirmed.`);
      if (c.url && /^https:\/\//.test(c.url)) window.open(c.url, '_blank', 'noopener');
    } catch (e) { say(`Cannot extend: ${e.message}`); }
  };
  $('end').onclick = async () => {
    try { show(await call('POST', `/api/sessions/${sid}/end`).then(() => refresh())); } catch (e) { say(`Cannot end: ${e.message}`); }
  };
  $('upload').onsubmit = async (ev) => {
    ev.preventDefault();
    const file = $('file').files[0];
    if (!file) return;
    const form = new FormData();
    form.append('file', file, file.name);
    const res = await fetch(`/api/sessions/${sid}/files`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    const json = await res.json().catch(() => ({}));
    say(res.ok ? `Uploaded ${json.filename}.` : `Upload refused: ${json.message || res.status}`);
    $('file').value = '';
    await loadFiles();
  };

  setInterval(tick, 250);
  refresh().then(() => { listen(); return loadFiles(); }).catch((e) => say(e.status === 404 ? 'No such session (or it is not yours).' : `Cannot load the session: ${e.message}`));
})();
