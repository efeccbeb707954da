// NamespaceTree: the view of pycontainer_lab.jupyter.namespace_tree.NamespaceTree.
// A plain ES module for anywidget: the Python side sends plain data (kinds, pid_tree,
// focus) and this file only draws it. No framework, no build step, no network.

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "onclick") el.addEventListener("click", v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function processItem(p) {
  const inner = p.inner_pid !== p.pid ? ` → ${p.inner_pid} inside` : "";
  const cls = ["pcl-proc", p.focus ? "pcl-focus" : "", p.me ? "pcl-me" : ""].join(" ").trim();
  return h("li", { class: cls, "data-pid": p.pid, title: p.me ? "this notebook's kernel" : null },
    h("span", { class: "pcl-comm" }, p.comm), " ", h("span", { class: "pcl-pid" }, `${p.pid}${inner}`),
    p.me ? h("span", { class: "pcl-pid" }, " (this kernel)") : null);
}

// The processes of a namespace: all that were sent, or (folded) only the highlighted ones.
function processList(group, folded) {
  const shown = folded ? group.processes.filter((p) => p.focus) : group.processes;
  const hidden = group.count - shown.length;
  const items = shown.map(processItem);
  if (hidden > 0) items.push(h("li", { class: "pcl-more" }, folded ? `+${hidden} more (click to show)` : `+${hidden} more`));
  return items.length ? h("ul", { class: "pcl-procs" }, items) : null;
}

function badges(group) {
  return [
    group.host ? h("span", { class: "pcl-badge pcl-badge-host", title: "the namespace this kernel is in" }, "host") : null,
    group.focus ? h("span", { class: "pcl-badge pcl-badge-focus" }, "highlighted") : null,
  ];
}

function render({ model, el }) {
  const open = new Set();   // groups the user opened or closed by hand: "kind:id" → toggled
  const root = h("div", { class: "pcl-nstree" });
  el.append(root);

  // The host's namespaces hold nearly everything: folded unless opened by hand.
  function isOpen(key, group) {
    const byDefault = !group.host;
    return open.has(key) ? !byDefault : byDefault;
  }

  function toggle(key) {
    if (open.has(key)) open.delete(key); else open.add(key);
    draw();
  }

  function groupCard(kind, group) {
    const key = `${kind}:${group.id}`;
    const expanded = isOpen(key, group);
    const cls = ["pcl-ns-group", group.host ? "pcl-host" : "", group.focus ? "pcl-focus" : ""].join(" ").trim();
    const noun = group.count === 1 ? "process" : "processes";
    return h("div", { class: cls, "data-ns-id": group.id, "data-count": group.count },
      h("div", { class: "pcl-ns-title", onclick: () => toggle(key), title: "show or hide its processes" },
        h("span", { class: "pcl-caret" }, expanded ? "▾" : "▸"), " ",
        h("code", {}, `${kind}:[${group.id}]`), " ",
        h("span", { class: "pcl-count" }, `${group.count} ${noun}`), " ", badges(group)),
      processList(group, !expanded));
  }

  function pidNode(node) {
    const cls = ["pcl-pidns-node", node.host ? "pcl-host" : "", node.focus ? "pcl-focus" : ""].join(" ").trim();
    const key = `pidtree:${node.id}`;
    const expanded = isOpen(key, node);
    return h("li", { class: cls, "data-ns-id": node.id, "data-count": node.count },
      h("div", { class: "pcl-ns-title", onclick: () => toggle(key) },
        h("span", { class: "pcl-caret" }, expanded ? "▾" : "▸"), " ",
        h("code", {}, `pid:[${node.id}]`), " ",
        h("span", { class: "pcl-count" }, `${node.count} ${node.count === 1 ? "process" : "processes"}`),
        " ", badges(node)),
      processList(node, !expanded),
      node.children.length ? h("ul", { class: "pcl-pidns-children" }, node.children.map(pidNode)) : null);
  }

  function header() {
    const focus = model.get("focus") || {};
    const every = model.get("auto_refresh");
    const parts = [h("span", { class: "pcl-title" }, "Namespaces")];
    if (focus.label) {
      parts.push(h("span", { class: "pcl-focus-label" + (focus.alive ? "" : " pcl-gone") },
        `${focus.label} (pid ${focus.main})${focus.alive ? "" : " — gone"}`));
      parts.push(h("span", { class: "pcl-new" },
        focus.new && focus.new.length ? `own namespaces: ${focus.new.join(", ")}` : "shares every namespace with the host"));
    }
    const refresh = h("button", { class: "pcl-refresh", title: "look at every process again" }, "↻ refresh");
    refresh.addEventListener("click", () => model.send({ type: "refresh" }));
    parts.push(h("span", { class: "pcl-status", "data-refreshes": model.get("refreshes") },
      every > 0 ? `refreshing every ${every} s` : `refreshed ${model.get("refreshes")}×`));
    parts.push(refresh);
    return h("div", { class: "pcl-nstree-head" }, parts);
  }

  function draw() {
    const kinds = model.get("kinds") || [];
    const tree = model.get("pid_tree") || {};
    const error = model.get("error");
    const body = h("div", { class: "pcl-nstree-body" },
      h("section", { class: "pcl-pidtree" },
        h("h4", {}, "PID namespaces, parent → child"),
        h("p", { class: "pcl-hint" }, "A parent namespace sees the processes of its children (with its own numbers); a child sees nothing of its parent."),
        tree.id ? h("ul", { class: "pcl-pidns-root" }, pidNode(tree)) : null),
      h("section", { class: "pcl-kinds" },
        h("h4", {}, "Who shares which namespace"),
        kinds.map((k) => h("div", { class: "pcl-ns-kind", "data-kind": k.kind },
          h("div", { class: "pcl-kind-name", title: `a namespace of this kind isolates ${k.isolates}` }, k.kind),
          h("div", { class: "pcl-kind-groups" }, k.groups.map((g) => groupCard(k.kind, g)))))));
    const parts = [header(), error ? h("div", { class: "pcl-error" }, error) : null, body];
    root.replaceChildren(...parts.filter((p) => p));
  }

  const names = ["kinds", "pid_tree", "focus", "refreshes", "auto_refresh", "error"];
  for (const name of names) model.on(`change:${name}`, draw);
  draw();
  return () => { for (const name of names) model.off(`change:${name}`, draw); };
}

export default { render };
