// The control-room page: the incident panel pinned on the right, a tile per
// subsystem and the town map, fed by the /live websocket, behind a login
// (session.ts), in the user's language. A lost connection greys the page and says
// since when its figures are. Imports only types and data from services/devices.
import type { DeviceKind } from '../../devices/index.ts';
import type { FeatureCollection, HistoryPoint, Incident, LiveMessage, TownInfo } from '../../services/contracts/index.ts';
import { Alarm } from './alarm.ts';
import { IncidentPanel } from './incidents.ts';
import { IncidentView } from './incident-view.ts';
import { HandoverView } from './handover-view.ts';
import { SearchView } from './search-view.ts';
import { SilencesView } from './silences-view.ts';
import { startKpiPanel } from './kpis.ts';
import { LANGS, currentLang, initialLang, isLang, offsetLabel, onLangChange, setLang, setTownOffset, t, townTime } from './i18n/i18n.ts';
import { DevicePanel } from './device-panel.ts';
import { TownMap, type MapTiles } from './map.ts';
import { CLOSE_LOGGED_OUT, api, getJson, renderUser, sessionEnded, showLogin, showUser, whoAmI, type Me } from './session.ts';
import { ruleThresholds } from './thresholds.ts';
import { ORDER, Tiles } from './tiles.ts';
import { Router } from './views.ts';

const RANGES = { '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
type RangeId = keyof typeof RANGES;

/** The server's clock: the last message's time plus what elapsed here since (a simulated town may run on its own time). */
const clock = { serverAt: Date.now(), localAt: Date.now() };
const serverNow = () => clock.serverAt + (Date.now() - clock.localAt);

function wallMode(): void {
  const params = new URLSearchParams(location.search);
  const auto = () => window.innerWidth >= 2400 && window.innerHeight >= 1300;
  const apply = () => document.documentElement.classList.toggle('wall', params.get('wall') === '1' || (params.get('wall') !== '0' && auto()));
  apply();
  window.addEventListener('resize', apply);
  document.getElementById('wall-toggle')!.addEventListener('click', () => {
    params.set('wall', document.documentElement.classList.contains('wall') ? '0' : '1');
    history.replaceState(null, '', `?${params}`);
    apply();
  });
}

async function start(me: Me): Promise<void> {
  setLang(initialLang(me.user.name));
  showUser(me);
  const [kindsJson, town, rulesJson, geo, mapJson] = await Promise.all([
    getJson<{ kinds: DeviceKind[] }>('/api/kinds'),
    getJson<TownInfo>('/api/town'),
    getJson<{ rules: unknown[] }>('/api/rules').catch(() => ({ rules: [] })),
    getJson<FeatureCollection>('/api/geo').catch((): FeatureCollection => ({ type: 'FeatureCollection', features: [] })),
    getJson<{ tiles: MapTiles | null }>('/api/map').catch(() => ({ tiles: null })),
  ]);
  const kinds = new Map(kindsJson.kinds.map((k) => [k.id, k]));
  const thresholds = ruleThresholds(rulesJson.rules);
  setTownOffset(town.utcOffsetMinutes);
  const districtNames = new Map(town.districts.map((d) => [d.id, d.name]));
  let range: RangeId = (localStorage.getItem('qala.range') as RangeId | null) ?? '1h';
  if (!(range in RANGES)) range = '1h';

  const map = new TownMap({ kinds, now: serverNow, incidentDevices: () => panel.devices(), districtName: (id) => districtNames.get(id) ?? id, geo, tiles: mapJson.tiles, onDevice: (id) => devicePanel.open(id) });
  const tiles = new Tiles({
    kinds,
    offsetMin: () => town.utcOffsetMinutes,
    now: serverNow,
    rangeMs: () => RANGES[range],
    thresholds: (kind, metric) => thresholds.get(`${kind}.${metric}`) ?? [],
    onOutOfNormal: (subsystem) => map.setFilter({ subsystem, look: 'out' }),
  });
  const alarm = new Alarm();
  const panel: IncidentPanel = new IncidentPanel({
    me,
    now: serverNow,
    districtName: (id) => districtNames.get(id) ?? id,
    onChange: (unresolved: Incident[]) => {
      alarm.update(unresolved);
      map.draw();
    },
    onOpen: (id) => router.go(id ? { view: 'incident', id } : undefined),
  });
  const incidentView = new IncidentView({
    me,
    kinds,
    rules: rulesJson.rules,
    offsetMin: () => town.utcOffsetMinutes,
    now: serverNow,
    districtName: (id) => districtNames.get(id) ?? id,
    highlight: (devices) => map.highlight(devices),
    changed: (i) => panel.upsert([i]),
    close: () => router.go(undefined),
  });
  const ruleIds = (rulesJson.rules as { id?: string }[]).flatMap((r) => (typeof r.id === 'string' ? [r.id] : []));
  const search = new SearchView({
    me,
    now: serverNow,
    districts: town.districts,
    ruleIds,
    districtName: (id) => districtNames.get(id) ?? id,
    close: () => router.go(undefined),
  });
  const handover = new HandoverView({ now: serverNow, districtName: (id) => districtNames.get(id) ?? id, close: () => router.go(undefined) });
  const silences = new SilencesView({
    me,
    now: serverNow,
    offsetMin: () => town.utcOffsetMinutes,
    districts: town.districts,
    ruleIds,
    districtName: (id) => districtNames.get(id) ?? id,
    close: () => router.go(undefined),
  });
  const devicePanel = new DevicePanel({
    kinds,
    now: serverNow,
    offsetMin: () => town.utcOffsetMinutes,
    rangeMs: () => RANGES[range],
    device: (id) => map.device(id),
    districtName: (id) => districtNames.get(id) ?? id,
    thresholds: (kind, metric) => thresholds.get(`${kind}.${metric}`) ?? [],
    incidents: () => panel.unresolved,
  });
  const router: Router = new Router({ incident: incidentView, search, handover, silences }, (r) => panel.select(r?.view === 'incident' ? r.id : undefined));

  const title = () => {
    document.getElementById('town')!.textContent = t('app.townControlRoom', { town: town.name });
    alarm.setBaseTitle(`Qala · ${town.name}`);
    alarm.update(panel.unresolved);
  };
  const langSelect = document.getElementById('lang') as HTMLSelectElement;
  langSelect.innerHTML = Object.entries(LANGS)
    .map(([id, name]) => `<option value="${id}" lang="${id}">${name}</option>`)
    .join('');
  langSelect.value = currentLang();
  langSelect.addEventListener('change', () => {
    if (isLang(langSelect.value)) setLang(langSelect.value, me.user.name);
  });
  const rangeSelect = document.getElementById('range') as HTMLSelectElement;
  const rangeOptions = () => {
    rangeSelect.innerHTML = (Object.keys(RANGES) as RangeId[]).map((id) => `<option value="${id}">${t(`range.${id}`)}</option>`).join('');
    rangeSelect.value = range;
  };
  /** Each tile's chart over the chosen range from the store, so a reload or a restart shows it at once. */
  const loadHistory = async () => {
    const to = Math.round(serverNow());
    const from = to - RANGES[range];
    await Promise.all(
      tiles.subsystems.map(async (s) => {
        const res = await api(`/api/history?subsystem=${encodeURIComponent(s)}&from=${from}&to=${to}`);
        if (!res.ok) return;
        const h = (await res.json()) as { stepMs: number; points: HistoryPoint[] };
        tiles.setHistory(s, h.points, h.stepMs);
      }),
    );
    tiles.tick();
    document.getElementById('tiles')!.dataset.history = range;
  };
  rangeSelect.addEventListener('change', () => {
    range = rangeSelect.value as RangeId;
    localStorage.setItem('qala.range', range);
    void loadHistory();
    devicePanel.relabel();
  });
  onLangChange(() => {
    renderUser(me);
    title();
    rangeOptions();
    tiles.relabel();
    panel.render();
    alarm.relabel();
    map.relabel();
    devicePanel.relabel();
    conn.relabel();
    router.relabel();
  });
  rangeOptions();
  title();
  // the town's first five tiles at once; a utility user's come from its /live view,
  // which holds only the subsystems where its network has devices (services/api/scope.ts)
  if (!me.user.utility) for (const s of ORDER.slice(0, 5)) tiles.tile(s);
  wallMode();
  startKpiPanel({ now: serverNow, rangeMs: () => RANGES[range] });

  const tickClock = () => {
    document.getElementById('clock')!.textContent = `${townTime(serverNow(), 'seconds')} ${offsetLabel()}`;
  };
  window.setInterval(() => {
    tickClock();
    tiles.tick();
    panel.tick();
  }, 1000);
  tickClock();

  const onMessage = (msg: LiveMessage) => {
    clock.serverAt = msg.at;
    clock.localAt = Date.now();
    for (const s of Object.values(msg.subsystems)) tiles.render(s);
    if (msg.type === 'hello') {
      // the hub's few minutes of history is for the first paint; the store's range replaces it
      for (const [s, points] of Object.entries(msg.history)) tiles.setHistory(s, points, 1000);
      panel.set(msg.incidents);
      incidentView.update(msg.incidents);
      // a first or a new connection: what changed while away is not known, so an open view asks again
      router.incidentsChanged(msg.incidents);
      void loadHistory();
    } else {
      if (msg.incidents.length) {
        panel.upsert(msg.incidents);
        incidentView.update(msg.incidents);
        router.incidentsChanged(msg.incidents);
      }
      for (const s of Object.values(msg.subsystems)) if (s.headline) tiles.plot(s.subsystem, { t: msg.at, value: s.headline.value });
    }
  };
  const conn = connection(onMessage);
  map.start();
  router.start();
}

/** The /live websocket, reconnecting with back-off; while it is down the page is greyed and says so. */
function connection(onMessage: (m: LiveMessage) => void) {
  const el = document.getElementById('conn')!;
  let state: 'connecting' | 'open' | 'closed' = 'connecting';
  let lastData = 0;
  const relabel = () => {
    el.dataset.state = state;
    el.textContent = t(state === 'open' ? 'conn.live' : state === 'closed' ? 'conn.reconnecting' : 'conn.connecting');
    const veil = document.getElementById('veil')!;
    veil.hidden = state !== 'closed';
    document.body.classList.toggle('disconnected', state === 'closed');
    veil.querySelector('.body')!.textContent = t('veil.body', { time: lastData ? townTime(lastData, 'seconds') : '–' });
  };
  const connect = (delayMs = 500): void => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live`);
    ws.onopen = () => {
      state = 'open';
      delayMs = 500;
      relabel();
    };
    ws.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as LiveMessage;
      lastData = msg.at;
      onMessage(msg);
    };
    ws.onclose = (ev) => {
      state = 'closed';
      relabel();
      // the server ended the login; a refused upgrade shows only as 1006, so ask who we are
      if (ev.code === CLOSE_LOGGED_OUT) return sessionEnded();
      const next = Math.min(delayMs * 2, 10_000);
      setTimeout(() => void whoAmI().then((me) => (me ? connect(next) : sessionEnded()), () => connect(next)), delayMs);
    };
  };
  relabel();
  connect();
  return { relabel };
}

void whoAmI().then((me) => (me ? start(me) : showLogin()), () => showLogin());
