// The operators' console. Every call goes through the console's same-origin relay (/console/relay/<service>/...)
// with the admin's own token; every action asks for a reason, which the service records with the admin's id.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem('hourglass.admin.token') || '';
  let config = { temporal_ui_url: null, temporal_namespace: 'default' };
  let currentUser = null;

  async function call(service, method, path, body) {
    const res = await fetch(`relay/${service}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(json.message || `${service} answered ${res.status}`), { status: res.status, body: json });
    return json;
  }
  const say = (text) => { $('message').textContent = text; };
  const cell = (content) => {
    const td = document.createElement('td');
    if (content instanceof Node) td.append(content); else td.textContent = content ?? '';
    return td;
  };
  const row = (...cells) => { const tr = document.createElement('tr'); tr.append(...cells.map(cell)); return tr; };
  const when = (iso) => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) : '');
  const dl = (el, pairs) => el.replaceChildren(...pairs.flatMap(([k, v]) => { const dt = document.createElement('dt'); dt.textContent = k; const dd = document.createElement('dd'); dd.textContent = v ?? '—'; return [dt, dd]; }));
  /** Every workflow of a user (sessions, packs) in the Temporal UI, by the HourglassUserId search attribute. */
  function userWorkflowsLink(userId) {
    if (!config.temporal_ui_url) return document.createTextNode('workflows');
    const a = document.createElement('a');
    const query = `HourglassUserId = "${userId.replace(/["\\]/g, '')}"`;
    a.href = `${config.temporal_ui_url}/namespaces/${encodeURIComponent(config.temporal_namespace)}/workflows?query=${encodeURIComponent(query)}`;
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = 'workflows in Temporal';
    a.dataset.testid = 'user-workflows-link';
    return a;
  }

  function workflowLink(workflowId) {
    if (!config.temporal_ui_url) return document.createTextNode(workflowId);
    const a = document.createElement('a');
    a.href = `${config.temporal_ui_url}/namespaces/${encodeURIComponent(config.temporal_namespace)}/workflows/${encodeURIComponent(workflowId)}`;
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = workflowId;
    a.dataset.testid = `workflow-link-${workflowId}`;
    return a;
  }
  function button(label, onClick, testid) {
    const b = document.createElement('button');
    b.textContent = label;
    if (testid) b.dataset.testid = testid;
    b.onclick = onClick;
    return b;
  }
  /** Every action needs a reason: the services record it with the admin's id. */
  function reasonFor(what) {
    const reason = window.prompt(`Reason for: ${what}`);
    if (!reason || reason.trim().length < 3) { say('Cancelled: a reason (3+ characters) is required.'); return null; }
    return reason.trim();
  }
  async function act(label, fn) {
    try { await fn(); say(`${label}: done.`); await load(currentUser); } catch (e) { say(`${label} refused: ${e.message}`); }
  }

  async function login(candidate) {
    token = candidate.trim();
    await call('billing', 'GET', '/admin/plans'); // 401/403 unless this is an admin token
    sessionStorage.setItem('hourglass.admin.token', token);
    const sub = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub;
    $('who').textContent = `signed in as ${sub}`;
    $('login').hidden = true;
    $('app').hidden = false;
    $('logout').hidden = false;
    await loadPayments();
  }

  async function load(userId) {
    currentUser = userId;
    const q = encodeURIComponent(userId);
    const [credits, usage, ledger, overview, notifications] = await Promise.all([
      call('billing', 'GET', `/api/users/credits?user_id=${q}`),
      call('billing', 'GET', `/api/users/me/usage?user_id=${q}`),
      call('billing', 'GET', `/admin/users/${q}/ledger`).catch(() => ({ entries: [] })),
      call('sessions', 'GET', `/admin/users/${q}/overview`),
      call('notifications', 'GET', `/admin/notifications?user=${q}&limit=50`).catch(() => ({ items: [] })),
    ]);
    $('user').hidden = false;
    $('user-title').replaceChildren(document.createTextNode(`User ${userId} · `), userWorkflowsLink(userId));
    dl($('credits'), [['free', credits.free_remaining], ['paid', credits.paid_remaining], ['pack', credits.pack_remaining], ['total available', credits.total_available]]);
    $('credits').dataset.paid = String(credits.paid_remaining);
    dl($('usage'), [['plan', usage.plan], ['period', `${when(usage.period_start)} → ${when(usage.period_end)}`], ['sessions used', `${usage.sessions_used} / ${usage.limits.max_sessions_per_period ?? '∞'}`], ['minutes used', `${usage.minutes_used} / ${usage.limits.max_minutes_per_period ?? '∞'}`], ['max upload', `${usage.limits.max_upload_mb} MB`]]);
    const g = overview.gate;
    dl($('gate'), [['can start', String(g.can_start)], ['cooldown until', g.cooldown_until], ['auto-start', String(g.auto_start)], ['active session', g.active_session_id]]);
    $('sessions').replaceChildren(...overview.sessions.map((s) => {
      const actions = document.createElement('span');
      if (s.status === 'active') {
        actions.append(
          button('End', () => { const reason = reasonFor(`end session ${s.session_id}`); if (reason) act('End session', () => call('sessions', 'POST', `/admin/sessions/${encodeURIComponent(s.session_id)}/end`, { reason })); }, `end-${s.session_id}`),
          ' ',
          button('+15 min free', () => { const reason = reasonFor(`extend session ${s.session_id} by 15 minutes`); if (reason) act('Extend', () => call('sessions', 'POST', `/admin/sessions/${encodeURIComponent(s.session_id)}/extend`, { minutes: 15, reason })); }, `extend-${s.session_id}`),
        );
      }
      const tr = row(s.session_id, s.session_type, s.status, when(s.started_at), when(s.expires_at), workflowLink(`session/${s.session_id}`), actions);
      tr.dataset.testid = `session-${s.session_id}`;
      tr.dataset.status = s.status;
      return tr;
    }));
    $('packs').replaceChildren(...overview.packs.map((p) => row(p.id, p.status, `${p.remaining_sessions}/${p.total_sessions}`, p.seat_status, when(p.grace_ends_at), workflowLink(`pack/${p.id}`))));
    $('ledger').replaceChildren(...ledger.entries.map((e) => row(when(e.created_at), e.delta > 0 ? `+${e.delta}` : String(e.delta), e.kind, e.reason, e.actor, e.note)));
    $('notifications').replaceChildren(...notifications.items.map((n) => row(when(n.created_at), n.template_id, n.status, n.channel, n.last_error,
      ['dead', 'skipped', 'failed'].includes(n.status) ? button('Retry', () => act('Retry notification', () => call('notifications', 'POST', `/admin/notifications/${encodeURIComponent(n.id)}/retry`, {}))) : '')));
  }

  async function loadPayments() {
    const [dead, failed, unprocessable] = await Promise.all(['dead', 'failed', 'unprocessable'].map((status) => call('billing', 'GET', `/admin/payments/events?status=${status}&limit=50`).catch(() => ({ items: [] }))));
    $('payments').replaceChildren(
      ...[...dead.items, ...failed.items].map((e) => row(e.provider, e.event_id, e.event_type, e.status, e.last_error,
        button('Re-process', () => act('Re-process payment event', async () => { await call('billing', 'POST', `/admin/payments/events/${encodeURIComponent(e.id)}/reprocess`, {}); await loadPayments(); })))),
      // Signed but not applicable (malformed, or money naming no user): for a person, with the reason; nothing to re-process.
      ...unprocessable.items.map((e) => row(e.provider, e.event_id, e.event_type, e.status, e.outcome, '')),
    );
  }

  $('login-form').onsubmit = async (ev) => {
    ev.preventDefault();
    $('login-error').textContent = '';
    try { await login($('token').value); } catch (e) { $('login-error').textContent = e.status === 403 ? 'This token is not an admin token.' : `Cannot log in: ${e.message}`; }
  };
  $('logout').onclick = () => { sessionStorage.removeItem('hourglass.admin.token'); location.reload(); };
  $('find').onsubmit = async (ev) => {
    ev.preventDefault();
    say('');
    try { await load($('user-id').value.trim()); } catch (e) { say(`Cannot load the user: ${e.message}`); }
  };
  $('grant').onsubmit = (ev) => {
    ev.preventDefault();
    act('Grant', () => call('billing', 'POST', `/admin/users/${encodeURIComponent(currentUser)}/credits`, { kind: $('grant-kind').value, quantity: Number($('grant-quantity').value), reason: $('grant-reason').value }));
  };
  $('revoke').onsubmit = (ev) => {
    ev.preventDefault();
    act('Revoke', () => call('billing', 'POST', `/admin/users/${encodeURIComponent(currentUser)}/credits/revoke`, { quantity: Number($('revoke-quantity').value), reason: $('revoke-reason').value }));
  };

  fetch('config.json').then((r) => r.json()).then((c) => { config = c; }).finally(() => { if (token) login(token).catch(() => sessionStorage.removeItem('hourglass.admin.token')); });
})();
