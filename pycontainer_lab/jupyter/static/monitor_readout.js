// MonitorReadout: the numbers of pycontainer_lab.jupyter.resource_monitor.ResourceMonitor,
// one row per cgroup, redrawn with the plot. A plain ES module for anywidget.

const MIB = 1024 * 1024;

function size(bytes) {
  if (bytes === null || bytes === undefined) return "—";
  return bytes >= 1024 * MIB ? `${(bytes / 1024 / MIB).toFixed(2)} GiB` : `${(bytes / MIB).toFixed(1)} MiB`;
}

function percent(value) {
  return value === null || value === undefined ? "—" : `${value.toFixed(1)} %`;
}

function cell(field, text, title) {
  const td = document.createElement("td");
  td.dataset.field = field;
  td.textContent = text;
  if (title) td.title = title;
  return td;
}

const COLUMNS = [
  ["group", ""], ["CPU", "100 % = one whole CPU"], ["CPU limit", "--cpus"],
  ["memory", "what the kernel charges to the group now"], ["limit", "-m / --memory"],
  ["peak", "the most it has used"], ["OOM kills", "processes the kernel killed at the limit"],
  ["processes", "pids.current / pids.max"], ["t (s)", "seconds since sampling began"],
];

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "pcl-readout";
  el.append(root);

  function draw() {
    const table = document.createElement("table");
    const head = table.createTHead().insertRow();
    for (const [name, title] of COLUMNS) {
      const th = document.createElement("th");
      th.textContent = name;
      if (title) th.title = title;
      head.append(th);
    }
    const body = table.createTBody();
    for (const r of model.get("rows")) {
      const tr = body.insertRow();
      const limit = (value, text) => (r.samples === 0 ? "—" : value === null || value === undefined ? "none" : text);
      tr.dataset.label = r.label;
      if (r.gone) tr.classList.add("pcl-gone");
      tr.append(
        cell("label", r.label, r.gone ? `no longer sampled: ${r.gone}` : ""),
        cell("cpu_percent", percent(r.cpu_percent)),
        cell("cpu_limit", limit(r.cpu_limit, `${r.cpu_limit} CPUs`)),
        cell("memory_current", size(r.memory_current)),
        cell("memory_limit", limit(r.memory_limit, size(r.memory_limit))),
        cell("memory_peak", size(r.memory_peak)),
        cell("oom_kills", r.oom_kills === null || r.oom_kills === undefined ? "—" : String(r.oom_kills)),
        cell("pids", r.pids_current === null || r.pids_current === undefined ? "—"
          : r.pids_max ? `${r.pids_current} / ${r.pids_max}` : String(r.pids_current)),
        cell("t", r.t === null || r.t === undefined ? "—" : r.t.toFixed(1)));
      if (r.oom_kills) tr.querySelector('[data-field="oom_kills"]').classList.add("pcl-alert");
    }
    const foot = document.createElement("div");
    foot.className = "pcl-readout-foot";
    foot.dataset.updates = model.get("updates");
    foot.textContent = `${model.get("running") ? "live" : "stopped"} · redrawn every ${model.get("interval")} s · update ${model.get("updates")}`;
    const parts = [];
    if (model.get("title")) {
      const t = document.createElement("div");
      t.className = "pcl-readout-title";
      t.textContent = model.get("title");
      parts.push(t);
    }
    root.replaceChildren(...parts, table, foot);
  }

  const names = ["rows", "updates", "running", "interval", "title"];
  for (const name of names) model.on(`change:${name}`, draw);
  draw();
  return () => { for (const name of names) model.off(`change:${name}`, draw); };
}

export default { render };
