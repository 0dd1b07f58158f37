// The t2vzero web page: one form per function built from GET /config/defaults, jobs submitted to POST /jobs/{function},
// progress read from GET /jobs/{id}/events (SSE, read with fetch() so that a bearer token travels in a header and never
// in a URL), cancel with DELETE /jobs/{id}. Plain ES module, no build step.

const TOKEN_KEY = 't2v.token';
const JOBS_KEY = 't2v.jobs';
const MAX_RECENT = 12;
const FINAL = new Set(['succeeded', 'failed', 'canceled']);

// How each mode is presented; the fields themselves come from the server.
const MODES = {
  'text-to-video': { title: 'Text to video', intro: 'A prompt becomes a short video (Text2Video-Zero: motion dynamics in the latents, cross-frame attention).' },
  'edge-to-video': { title: 'Edge to video', intro: 'Follow the Canny edges of an input video (ControlNet).' },
  'pose-to-video': { title: 'Pose to video', intro: 'Follow the OpenPose skeletons of an input video (ControlNet).' },
  'video-pix2pix': { title: 'Video pix2pix', intro: 'Edit an input video with an instruction (InstructPix2Pix).' },
};

// Labels and help of every request field (the README's table). A field the server lists but this table lacks still
// gets a form control, labelled with its name.
const FIELDS = {
  prompt: { label: 'Prompt', help: 'Truncated to 77 CLIP tokens.' },
  negativePrompt: { label: 'Negative prompt', help: 'What the video should not show.' },
  model: { label: 'Model bundle', help: 'Folder under the models directory.' },
  controlnet: { label: 'ControlNet bundle', help: 'Folder under the models directory.' },
  video: { label: 'Input video', help: 'Upload a file, or give an http(s) URL.' },
  videoLength: { label: 'Frames', help: 'Number of frames.' },
  height: { label: 'Height', help: 'Pixels, a multiple of 8.' },
  width: { label: 'Width', help: 'Pixels, a multiple of 8.' },
  resolution: { label: 'Resolution', help: 'Longer side in pixels; sides rounded to multiples of 64.' },
  numInferenceSteps: { label: 'Steps', help: 'Scheduler steps.' },
  guidanceScale: { label: 'Guidance scale', help: 'Classifier-free guidance.' },
  imageGuidanceScale: { label: 'Image guidance', help: 'How closely the result follows the input frames.' },
  controlnetConditioningScale: { label: 'Control strength', help: 'Multiplier on the ControlNet residuals.' },
  motionFieldStrengthX: { label: 'Motion x', help: 'Global motion per frame (signed).' },
  motionFieldStrengthY: { label: 'Motion y', help: 'Global motion per frame (signed).' },
  t0: { label: 't0', help: 'Timestep index of the warp, from the end; t0 < t1.' },
  t1: { label: 't1', help: 'First frame denoised down to it; t1 < steps.' },
  eta: { label: 'DDIM eta', help: '0 is deterministic.' },
  addQualityPrompt: { label: 'Add quality prompt', help: 'Append the original app\'s quality words (and its negative prompt when none is given).' },
  extractEdges: { label: 'Extract Canny edges', help: 'Off when the input already is an edge video.' },
  cannyLow: { label: 'Canny low', help: 'Hysteresis low threshold.' },
  cannyHigh: { label: 'Canny high', help: 'Hysteresis high threshold.' },
  mergingRatio: { label: 'Token merging', help: 'Fraction of the largest attention layers\' tokens merged (tomesd), below 1: faster, less detail; 0 is off.' },
  chunkSize: { label: 'Chunk size', help: 'Frames denoised at once; the video does not depend on it.' },
  seed: { label: 'Seed', help: 'Empty: random; the seed used is shown with the result.' },
  scheduler: { label: 'Scheduler', help: '' },
  fps: { label: 'FPS', help: 'Frames per second.' },
  format: { label: 'Format', help: '' },
  timeoutSeconds: { label: 'Timeout (s)', help: 'Deadline of the job from its creation, queue included.' },
  webhook: { label: 'Webhook', help: 'http(s) URL told when the job ends (needs the server\'s webhook secret).' },
};

// Shown without opening "More settings": what most people change.
const PRIMARY = new Set(['prompt', 'negativePrompt', 'video', 'videoLength', 'numInferenceSteps', 'seed', 'format']);

const $ = (id) => document.getElementById(id);

// ---- API access ------------------------------------------------------------------------------------------------

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

function headers(extra = {}) {
  const h = { ...extra };
  const t = token();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

/** An error answer of the server ({"error","field","message"}), or a network failure. */
class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

async function api(method, path, { json, body, contentType } = {}) {
  const init = { method, headers: headers() };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = json;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = contentType;
    init.body = body;
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { error: 'network', message: `The server cannot be reached (${e.message}).` });
  }
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { message: text.slice(0, 300) }; }
  if (r.status === 401) needToken();
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

function needToken() {
  $('token-box').open = true;
  $('token-error').textContent = token()
    ? 'The server did not accept this token.'
    : 'This server requires an access token.';
}

// ---- the forms -------------------------------------------------------------------------------------------------

let schema = null;
let current = null; // the mode whose form is shown

async function loadSchema() {
  $('load-error').hidden = true;
  try {
    schema = await api('GET', '/config/defaults');
  } catch (e) {
    $('loading').textContent = '';
    showFormError($('load-error'), `The server's defaults could not be loaded: ${e.message}`);
    return;
  }
  buildForms();
}

function buildForms() {
  const tabs = $('tabs');
  const forms = $('forms');
  tabs.replaceChildren();
  forms.replaceChildren();
  for (const [fn, def] of Object.entries(schema.functions)) {
    const mode = MODES[fn] || { title: fn, intro: '' };
    const tab = el('button', { type: 'button', role: 'tab', id: `tab-${fn}`, 'aria-controls': `panel-${fn}`,
      'aria-selected': 'false', tabindex: '-1', 'data-function': fn }, mode.title);
    tab.addEventListener('click', () => selectMode(fn, true));
    tab.addEventListener('keydown', onTabKey);
    tabs.append(tab);
    forms.append(buildForm(fn, mode, def.fields));
  }
  const wanted = location.hash.slice(1);
  selectMode(schema.functions[wanted] ? wanted : Object.keys(schema.functions)[0], false);
}

function onTabKey(ev) {
  const tabs = [...$('tabs').querySelectorAll('[role=tab]')];
  const i = tabs.indexOf(ev.currentTarget);
  let j = null;
  if (ev.key === 'ArrowRight') j = (i + 1) % tabs.length;
  if (ev.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
  if (ev.key === 'Home') j = 0;
  if (ev.key === 'End') j = tabs.length - 1;
  if (j !== null) {
    ev.preventDefault();
    selectMode(tabs[j].dataset.function, true);
    tabs[j].focus();
  }
}

function selectMode(fn, updateHash) {
  current = fn;
  for (const tab of $('tabs').querySelectorAll('[role=tab]')) {
    const on = tab.dataset.function === fn;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
  }
  for (const panel of $('forms').querySelectorAll('[role=tabpanel]')) {
    panel.hidden = panel.id !== `panel-${fn}`;
  }
  if (updateHash) history.replaceState(null, '', `#${fn}`);
}

function buildForm(fn, mode, fields) {
  const panel = el('div', { role: 'tabpanel', id: `panel-${fn}`, 'aria-labelledby': `tab-${fn}`, hidden: '' });
  const form = el('form', { id: `form-${fn}`, class: 'request-form', novalidate: '', 'data-function': fn });
  panel.append(el('p', { class: 'intro' }, mode.intro), form);

  const primary = el('div', { class: 'fields primary' });
  const more = el('details', { class: 'more' }, el('summary', {}, 'More settings'));
  const moreFields = el('div', { class: 'fields' });
  more.append(moreFields);
  for (const f of fields) {
    (PRIMARY.has(f.name) ? primary : moreFields).append(buildField(fn, f));
  }
  const formError = el('p', { class: 'form-error', id: `${fn}-form-error`, role: 'alert', hidden: '' });
  const actions = el('div', { class: 'actions' },
    el('button', { type: 'submit', class: 'primary', id: `${fn}-submit` }, 'Generate'),
    el('button', { type: 'button', class: 'secondary', id: `${fn}-reset` }, 'Reset to defaults'));
  form.append(primary, more, formError, actions);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(fn, form, fields); });
  form.addEventListener('input', (ev) => clearFieldError(ev.target.closest('.field')));
  actions.querySelector(`#${fn}-reset`).addEventListener('click', () => resetForm(form, fields));
  resetForm(form, fields);
  return panel;
}

function buildField(fn, f) {
  const info = FIELDS[f.name] || { label: f.name, help: '' };
  const id = `${fn}-${f.name}`;
  const wrap = el('div', { class: `field field-${f.type}`, 'data-field': f.name });
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const label = el('label', { for: id }, info.label, f.required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : '');
  let control;
  if (f.type === 'text') {
    control = el('textarea', { id, name: f.name, rows: f.name === 'prompt' ? 3 : 2 });
  } else if (f.type === 'boolean') {
    control = el('input', { id, name: f.name, type: 'checkbox' });
  } else if (f.options) {
    control = el('select', { id, name: f.name }, ...f.options.map((o) => el('option', { value: o }, o)));
  } else if (f.type === 'integer' || f.type === 'number') {
    control = el('input', { id, name: f.name, inputmode: f.type === 'integer' ? 'numeric' : 'decimal' });
    if (f.name === 'seed') {
      // 64-bit seeds do not fit a JavaScript number: kept as text, sent as a JSON integer
      control.type = 'text';
      control.pattern = '-?[0-9]{1,19}';
      control.placeholder = 'random';
    } else {
      control.type = 'number';
      control.step = f.multipleOf || (f.type === 'integer' ? 1 : 'any');
      if (f.min !== undefined) control.min = f.min;
      if (f.max !== undefined) control.max = f.max;
      if (f.default === null) control.placeholder = 'auto'; // the hint says what that is
    }
  } else if (f.type === 'video') {
    control = el('input', { id, name: f.name, type: 'url', placeholder: 'https://… (or upload a file below)',
      spellcheck: 'false' });
  } else {
    control = el('input', { id, name: f.name, type: 'text', spellcheck: 'false' });
  }
  if (f.required) control.required = true;
  control.setAttribute('aria-describedby', `${hintId} ${errorId}`);

  const hint = el('p', { class: 'hint', id: hintId }, hintText(info, f));
  const error = el('p', { class: 'field-error', id: errorId, role: 'alert' });
  if (f.type === 'boolean') {
    wrap.append(el('div', { class: 'check' }, control, label), hint, error);
  } else {
    wrap.append(label, control);
    if (f.type === 'video') {
      const fileId = `${id}-file`;
      const file = el('input', { id: fileId, name: `${f.name}File`, type: 'file', accept: 'video/*,image/gif',
        'aria-describedby': `${hintId} ${errorId}` });
      file.addEventListener('change', () => { control.required = f.required && !file.files.length; });
      wrap.append(el('label', { for: fileId, class: 'sub-label' }, 'or upload a file'), file);
      wrap.classList.add('wide');
    }
    if (f.type === 'text') wrap.classList.add('wide');
    wrap.append(hint, error);
  }
  return wrap;
}

function hintText(info, f) {
  const parts = [];
  if (info.help) parts.push(info.help);
  if (f.type === 'video' && schema.limits.maxUploadBytes) parts.push(`Uploads up to ${bytes(schema.limits.maxUploadBytes)}.`);
  if (f.default !== null && f.default !== undefined && f.default !== '') parts.push(`Default ${f.default}.`);
  else if (f.note && f.type === 'integer' && f.name !== 'seed') parts.push(`Default: ${f.note}.`); // height, width
  // non-breaking spaces: a range never wraps in the middle
  if (f.min !== undefined && f.max !== undefined) parts.push(`From\u00a0${f.min} to\u00a0${f.max}.`);
  else if (f.min !== undefined) parts.push(`At least\u00a0${f.min}.`);
  return parts.join(' ');
}

function resetForm(form, fields) {
  for (const f of fields) {
    const c = form.elements[f.name];
    if (!c) continue;
    if (c.type === 'checkbox') c.checked = !!f.default;
    else c.value = f.default === null || f.default === undefined ? '' : String(f.default);
    clearFieldError(c.closest('.field'));
  }
  const file = form.elements.videoFile;
  if (file) {
    file.value = '';
    file.dispatchEvent(new Event('change'));
  }
  hideFormError(form);
}

// ---- errors next to their field ---------------------------------------------------------------------------------

function showFieldError(form, name, message) {
  const wrap = form.querySelector(`.field[data-field="${CSS.escape(name)}"]`);
  if (!wrap) return false;
  wrap.classList.add('invalid');
  wrap.querySelector('.field-error').textContent = message;
  for (const c of wrap.querySelectorAll('input, select, textarea')) c.setAttribute('aria-invalid', 'true');
  const details = wrap.closest('details');
  if (details) details.open = true;
  return wrap;
}

function clearFieldError(wrap) {
  if (!wrap) return;
  wrap.classList.remove('invalid');
  const e = wrap.querySelector('.field-error');
  if (e) e.textContent = '';
  for (const c of wrap.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

function showFormError(p, message) {
  p.textContent = message;
  p.hidden = false;
}

function hideFormError(form) {
  const p = form.querySelector('.form-error');
  p.hidden = true;
  p.textContent = '';
}

/** Client-side bounds (the same as the server's): shown like the server's messages, nothing is sent. */
function checkBounds(form) {
  let first = null;
  for (const c of form.querySelectorAll('input, select, textarea')) {
    if (c.type === 'file' || c.checkValidity()) continue;
    const wrap = showFieldError(form, c.name.replace(/File$/, ''), c.validationMessage);
    first = first || wrap;
  }
  if (first) first.querySelector('input, select, textarea').focus();
  return !first;
}

// ---- submitting a job --------------------------------------------------------------------------------------------

async function submit(fn, form, fields) {
  for (const w of form.querySelectorAll('.field.invalid')) clearFieldError(w);
  hideFormError(form);
  if (!checkBounds(form)) return;
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const body = {};
    let seed = null;
    for (const f of fields) {
      const c = form.elements[f.name];
      if (!c) continue;
      if (f.type === 'boolean') body[f.name] = c.checked;
      else if (c.value.trim() === '') continue;
      else if (f.name === 'seed') seed = c.value.trim();
      else if (f.type === 'integer' || f.type === 'number') body[f.name] = Number(c.value);
      else body[f.name] = c.value;
    }
    const file = form.elements.videoFile;
    if (file && file.files.length) {
      button.textContent = 'Uploading…';
      const f = file.files[0];
      if (schema.limits.maxUploadBytes && f.size > schema.limits.maxUploadBytes) {
        showFieldError(form, 'video', `The file has ${bytes(f.size)}; uploads are limited to ${bytes(schema.limits.maxUploadBytes)}.`);
        return;
      }
      try {
        const up = await api('POST', '/uploads', { body: f, contentType: f.type || 'application/octet-stream' });
        body.video = up.video;
      } catch (e) {
        showFieldError(form, 'video', e.message);
        return;
      }
    }
    button.textContent = 'Submitting…';
    let json = JSON.stringify(body);
    if (seed !== null) json = `{"seed":${seed}${json === '{}' ? '' : ','}${json.slice(1)}`;
    const job = await api('POST', `/jobs/${fn}`, { json });
    const entry = { id: job.id, function: fn, prompt: body.prompt || '', status: job.status, createdAt: job.createdAt };
    remember(entry);
    follow(job.id, entry);
    // one column (phone): the job panel is below the form
    if (matchMedia('(max-width: 860px)').matches) $('job').scrollIntoView({ behavior: 'smooth', block: 'start' });
  } catch (e) {
    const field = e.body && e.body.field;
    if (!(field && showFieldError(form, field, e.message))) {
      showFormError(form.querySelector('.form-error'), e.status === 401 ? 'An access token is required (top right).' : e.message);
    } else {
      form.querySelector('.field.invalid input, .field.invalid textarea, .field.invalid select').focus();
    }
  } finally {
    button.disabled = false;
    button.textContent = 'Generate';
  }
}

// ---- following a job ---------------------------------------------------------------------------------------------

let watch = null; // { id, abort, startedAt }

function follow(id, entry) {
  if (watch) watch.abort.abort();
  const abort = new AbortController();
  watch = { id, abort, seenAt: Date.now() };
  showJob({ id, function: entry.function, status: entry.status || 'queued' }, entry);
  streamEvents(id, abort.signal).catch((e) => {
    if (abort.signal.aborted) return;
    if (e instanceof ApiError && e.status === 404) {
      renderError(`Job ${id} is no longer known to the server.`);
      updateRecent(id, { status: 'expired' });
      return;
    }
    poll(id, abort.signal); // the stream broke (proxy, network): fall back to GET /jobs/{id}
  });
}

/** Reads GET /jobs/{id}/events with fetch() (headers, no token in the URL) and parses the SSE frames. */
async function streamEvents(id, signal) {
  const r = await fetch(`/jobs/${encodeURIComponent(id)}/events`,
    { headers: headers({ Accept: 'text/event-stream' }), signal, cache: 'no-store' });
  if (!r.ok) {
    let body = null;
    try { body = await r.json(); } catch { /* not JSON */ }
    if (r.status === 401) needToken();
    throw new ApiError(r.status, body);
  }
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let finished = false;
  while (!finished) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
      finished = onFrame(id, frame) || finished;
    }
  }
  if (!finished && !signal.aborted) throw new Error('event stream ended early');
}

/** One SSE frame; true when it was the final one. Comment lines (keep-alive) are skipped. */
function onFrame(id, frame) {
  let event = 'message';
  const data = [];
  for (const line of frame.split(/\r?\n/)) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const key = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (key === 'event') event = value;
    else if (key === 'data') data.push(value);
  }
  if (!data.length) return false;
  let doc;
  try { doc = JSON.parse(data.join('\n')); } catch { return false; }
  if (!watch || watch.id !== id) return true;
  if (event === 'progress') {
    // either the job document or its progress object
    const job = doc.progress !== undefined || doc.status !== undefined ? doc : { status: 'running', progress: doc };
    renderJob({ status: 'running', ...job, id });
    return false;
  }
  if (FINAL.has(event)) {
    renderJob({ ...doc, status: doc.status || event, id });
    return true;
  }
  return false;
}

async function poll(id, signal) {
  while (!signal.aborted) {
    try {
      const job = await api('GET', `/jobs/${encodeURIComponent(id)}`);
      if (signal.aborted) return;
      renderJob(job);
      if (FINAL.has(job.status)) return;
    } catch (e) {
      if (e.status === 404) {
        renderError(`Job ${id} is no longer known to the server.`);
        updateRecent(id, { status: 'expired' });
        return;
      }
    }
    await new Promise((ok) => setTimeout(ok, 1000));
  }
}

async function cancel() {
  if (!watch) return;
  const button = $('job-cancel');
  button.disabled = true;
  try {
    const job = await api('DELETE', `/jobs/${encodeURIComponent(watch.id)}`);
    if (job && job.status) renderJob(job);
  } catch (e) {
    renderError(e.status === 409 ? `Not canceled: ${e.message}` : e.message);
  } finally {
    button.disabled = false;
  }
}

// ---- the job panel -----------------------------------------------------------------------------------------------

function showJob(job, entry) {
  $('job').hidden = false;
  $('job-title').textContent = `${(MODES[job.function] || { title: job.function }).title} · ${shortId(job.id)}`;
  $('job-prompt').textContent = entry && entry.prompt ? `“${entry.prompt}”` : '';
  $('job-error').hidden = true;
  $('job-result').hidden = true;
  $('job-media').replaceChildren();
  setProgress(0);
  renderJob(job);
}

// the elapsed time moves even when no event arrives (a stage without steps, a queue)
setInterval(() => {
  if (watch && watch.last && !FINAL.has(watch.last.status)) renderJob(watch.last);
}, 1000);

function renderJob(job) {
  if (!watch || job.id !== watch.id) return;
  watch.last = job;
  const status = job.status || 'queued';
  const badge = $('job-status');
  badge.textContent = status;
  badge.dataset.status = status;
  $('job-cancel').hidden = FINAL.has(status);
  const p = job.progress || {};
  let detail = '';
  if (status === 'queued') {
    detail = job.queuePosition ? `Waiting, position ${job.queuePosition} in the queue.` : 'Waiting for a free slot.';
  } else if (status === 'running') {
    const parts = [];
    if (p.stage) parts.push(stageName(p.stage));
    if (p.steps) parts.push(`step ${p.step ?? 0}/${p.steps}`);
    if (typeof p.fraction === 'number') parts.push(`${Math.floor(p.fraction * 100)}%`);
    // the server's start time when it is known (a job reopened from the list), else when this page first saw it
    const started = Date.parse(job.startedAt);
    parts.push(`elapsed ${duration((Date.now() - (Number.isFinite(started) ? Math.min(started, Date.now()) : watch.seenAt)) / 1000)}`);
    if (typeof p.etaSeconds === 'number') parts.push(`about ${duration(p.etaSeconds)} left`);
    detail = parts.join(' · ');
  }
  if (typeof p.fraction === 'number') setProgress(p.fraction);
  if (status === 'succeeded') {
    setProgress(1);
    detail = `Done in ${duration(seconds(job.startedAt, job.finishedAt) ?? (Date.now() - watch.seenAt) / 1000)}.`;
    if (job.result) renderResult(job.result);
  } else if (status === 'failed') {
    renderError(job.error ? `${job.error.message}${job.error.id ? ` (error id ${job.error.id})` : ''}` : 'The job failed.');
  } else if (status === 'canceled') {
    detail = 'Canceled.';
  }
  $('job-detail').textContent = detail;
  updateRecent(job.id, { status, result: job.result ? { url: job.result.url, format: job.result.format } : undefined });
}

function setProgress(fraction) {
  const pct = Math.max(0, Math.min(100, Math.round(fraction * 100)));
  $('job-progress').setAttribute('aria-valuenow', String(pct));
  $('job-progress-fill').style.width = `${pct}%`;
}

function renderResult(result) {
  const media = $('job-media');
  if (!media.firstChild || media.firstChild.dataset.url !== result.url) {
    let m;
    if (result.format === 'gif') {
      m = el('img', { src: result.url, alt: 'Generated animation' });
    } else {
      m = el('video', { src: result.url, controls: '', loop: '', muted: '', playsinline: '', autoplay: '',
        preload: 'auto', 'aria-label': 'Generated video' });
      m.muted = true; // autoplay needs it
    }
    m.dataset.url = result.url;
    media.replaceChildren(m);
  }
  const a = $('job-download');
  a.href = result.url;
  a.setAttribute('download', result.id || `video.${result.format}`);
  $('job-meta').textContent = `${result.frames} frames · ${result.width}×${result.height} · ${result.fps} fps · seed ${result.seed}`;
  $('job-result').hidden = false;
}

function renderError(message) {
  showFormError($('job-error'), message);
}

// ---- this session's jobs -----------------------------------------------------------------------------------------

function recent() {
  try { return JSON.parse(sessionStorage.getItem(JOBS_KEY)) || []; } catch { return []; }
}

function saveRecent(list) {
  sessionStorage.setItem(JOBS_KEY, JSON.stringify(list.slice(0, MAX_RECENT)));
  renderRecent();
}

function remember(entry) {
  saveRecent([entry, ...recent().filter((j) => j.id !== entry.id)]);
}

function updateRecent(id, change) {
  const list = recent();
  const j = list.find((x) => x.id === id);
  if (!j) return;
  const next = { ...j, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
  if (JSON.stringify(next) === JSON.stringify(j)) return;
  Object.assign(j, next);
  saveRecent(list);
}

function renderRecent() {
  const list = recent();
  const ol = $('recent');
  ol.replaceChildren(...list.map((j) => {
    const open = el('button', { type: 'button', class: 'recent-open', 'data-job': j.id },
      el('span', { class: 'recent-title' }, j.prompt || (MODES[j.function] || {}).title || j.function),
      el('span', { class: 'recent-meta' }, `${(MODES[j.function] || { title: j.function }).title} · ${time(j.createdAt)}`));
    open.addEventListener('click', () => follow(j.id, j));
    const item = el('li', { class: 'recent-item', 'data-job': j.id, 'data-status': j.status || '' }, open,
      el('span', { class: 'badge', 'data-status': j.status || '' }, j.status || ''));
    if (j.result && j.status === 'succeeded') {
      item.append(el('a', { href: j.result.url, class: 'recent-link', download: '', 'aria-label': `Download ${j.prompt || j.id}` }, '↓'));
    }
    return item;
  }));
  $('recent-empty').hidden = list.length > 0;
}

// ---- small helpers -----------------------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    e.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== '' && c !== null && c !== undefined) e.append(c);
  return e;
}

function stageName(s) {
  return String(s).replace(/_/g, ' ');
}

function duration(s) {
  if (!Number.isFinite(s) || s < 0) return '–';
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

function seconds(from, to) {
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isFinite(a) && Number.isFinite(b) ? (b - a) / 1000 : null;
}

function time(iso) {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '';
}

function shortId(id) {
  return String(id).slice(0, 8);
}

function bytes(n) {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${Math.round(n / (1 << 20))} MiB`;
  return `${Math.round(n / 1024)} KiB`;
}

// ---- start -------------------------------------------------------------------------------------------------------

$('job-cancel').addEventListener('click', cancel);
$('recent-clear').addEventListener('click', () => saveRecent([]));
$('token').value = token();
$('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const t = $('token').value.trim();
  if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY);
  $('token-error').textContent = '';
  $('token-box').open = false;
  loadSchema();
});
renderRecent();
loadSchema();
