// Lifecycle: the view of pycontainer_lab.jupyter.lifecycle.Lifecycle -- the container state
// machine of the course (created, running, paused, stopped, deleted), the current state lit,
// and one button per verb the engine allows from it. A plain ES module for anywidget.

const SVG = "http://www.w3.org/2000/svg";
const NODES = {
  created: [70, 110], running: [250, 110], paused: [250, 20], stopped: [430, 110], deleted: [610, 110],
};
// [from, to, label, bend]: a bend draws the arrow as a curve (two arrows between one pair)
const EDGES = [
  ["created", "running", "start", 0],
  ["running", "paused", "pause", -18],
  ["paused", "running", "unpause", -18],
  ["running", "stopped", "stop · kill", -16],
  ["stopped", "running", "start · restart", -16],
  ["stopped", "deleted", "rm", 0],
  ["created", "deleted", "rm", 150],
  ["running", "deleted", "rm -f", 90],
];

function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function diagram(state, last) {
  const root = svg("svg", { viewBox: "0 -5 690 230", class: "pcl-lc-diagram", role: "img" });
  const defs = svg("defs", {});
  const marker = svg("marker", { id: "pcl-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "pcl-lc-arrowhead" }));
  defs.append(marker);
  root.append(defs);
  for (const [a, b, label, bend] of EDGES) {
    const [x1, y1] = NODES[a];
    const [x2, y2] = NODES[b];
    const dx = x2 - x1, dy = y2 - y1, len = Math.hypot(dx, dy);
    const r = (Math.abs(dx) / len) * 44 + (Math.abs(dy) / len) * 18;  // stop at the node's edge
    const sx = x1 + (dx / len) * r, sy = y1 + (dy / len) * r, ex = x2 - (dx / len) * r, ey = y2 - (dy / len) * r;
    const mx = (sx + ex) / 2 - (dy / len) * bend, my = (sy + ey) / 2 + (dx / len) * bend;
    const lit = last && last.from === a && last.to === b;
    root.append(svg("path", { d: `M ${sx} ${sy} Q ${mx} ${my} ${ex} ${ey}`, class: `pcl-lc-edge${lit ? " pcl-lit" : ""}`, "marker-end": "url(#pcl-arrow)", "data-from": a, "data-to": b }));
    const ox = -(dy / len) * bend * 0.6, oy = (dx / len) * bend * 0.6;  // beside the curve's middle
    const anchor = ox < -1 ? "end" : ox > 1 ? "start" : "middle";
    root.append(svg("text", { x: (sx + ex) / 2 + ox + Math.sign(ox) * 3, y: (sy + ey) / 2 + oy + (oy < 0 ? -3 : 11), class: "pcl-lc-label", "text-anchor": anchor }, label));
  }
  for (const [name, [x, y]] of Object.entries(NODES)) {
    const g = svg("g", { class: `pcl-lc-node${name === state ? " pcl-current" : ""}`, "data-state": name });
    g.append(svg("rect", { x: x - 42, y: y - 16, width: 84, height: 32, rx: 16 }));
    g.append(svg("text", { x, y: y + 5, "text-anchor": "middle" }, name));
    root.append(g);
  }
  return root;
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "pcl-lifecycle";
  el.append(root);

  function draw() {
    const state = model.get("state");
    const d = model.get("details") || {};
    const history = model.get("history") || [];
    const busy = model.get("busy");
    root.dataset.state = state;

    const head = document.createElement("div");
    head.className = "pcl-lc-head";
    const title = document.createElement("span");
    title.className = "pcl-title";
    title.textContent = `container ${model.get("container")}`;
    const status = document.createElement("span");
    status.className = "pcl-lc-status";
    status.textContent = [model.get("status"), d.id ? `id ${d.id}` : "", d.image ? `image ${d.image}` : "",
      d.pid ? `pid ${d.pid}` : "", d.oom_killed ? "OOM-killed" : ""].filter((x) => x).join(" · ");
    head.append(title, status);

    const buttons = document.createElement("div");
    buttons.className = "pcl-lc-buttons";
    for (const verb of ["start", "stop", "kill", "restart", "pause", "unpause", "rm", "rm -f"]) {
      const b = document.createElement("button");
      b.textContent = verb;
      b.dataset.action = verb;
      b.title = `pcl ${verb.replace("rm -f", "rm -f")} ${model.get("container")}`;
      b.disabled = Boolean(busy) || !model.get("actions").includes(verb);
      b.addEventListener("click", () => model.send({ type: "action", action: verb }));
      buttons.append(b);
    }
    if (busy) {
      const s = document.createElement("span");
      s.className = "pcl-lc-busy";
      s.textContent = `${busy}…`;
      buttons.append(s);
    }

    const parts = [head, diagram(state, history[history.length - 1]), buttons];
    const error = model.get("error") || d.error;
    if (error) {
      const e = document.createElement("div");
      e.className = "pcl-error";
      e.textContent = error;
      parts.push(e);
    }
    if (history.length) {
      const log = document.createElement("div");
      log.className = "pcl-lc-history";
      log.textContent = history.slice(-6).map((h) => `${h.at} ${h.from} → ${h.to}${h.via ? ` (${h.via})` : ""}`).join("   ");
      parts.push(log);
    }
    root.replaceChildren(...parts);
  }

  const names = ["state", "status", "details", "actions", "busy", "history", "error", "container"];
  for (const name of names) model.on(`change:${name}`, draw);
  draw();
  return () => { for (const name of names) model.off(`change:${name}`, draw); };
}

export default { render };
