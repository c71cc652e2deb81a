(() => {
  'use strict';
  const safeDecode = (v) => { try { return decodeURIComponent(v); } catch { return ''; } };
  // The id as one encoded path segment (see session.js); the token only from this tab's storage.
  const sid = location.pathname.split('/')[3] || '';
  const token = sessionStorage.getItem('hourglass.token') || '';
  fetch(`/api/sessions/${encodeURIComponent(safeDecode(sid))}`, { headers: { authorization: `Bearer ${token}` } })
    .then((r) => r.json())
    .then((s) => {
      document.getElementById('summary').textContent = `The session ${s.status === 'expired' ? 'ran out of time' : 'was ended'}; ${Math.round((s.duration_used_seconds ?? 0) / 60)} minute(s) used.`;
    })
    .catch(() => { document.getElementById('summary').textContent = 'The session is over.'; });
})();
