// LayerStackView: the view of pycontainer_lab.jupyter.layer_stack.LayerStackView.
// Layers are drawn as the union filesystem stacks them: the bottom layer at the bottom,
// the read-write layer on top; a plain ES module for anywidget.

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

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const KIND = { image: "image layer", init: "init layer", dir: "layer", rw: "read-write layer" };
const CHANGE = { A: "added", C: "changed", D: "deleted" };

function chips(cls, items, total, title) {
  if (!items || !items.length) return null;
  const more = total > items.length ? [h("span", { class: "pcl-more" }, `+${total - items.length} more`)] : [];
  return h("div", { class: `pcl-chips ${cls}`, title }, items.map((p) => h("code", {}, p)), more);
}

function layerBox(layer, n) {
  const facts = `${size(layer.size)} in ${layer.files}${layer.truncated ? "+" : ""} entries`;
  return h("div", { class: `pcl-layer pcl-layer-${layer.kind}`, "data-index": layer.index, "data-kind": layer.kind },
    h("div", { class: "pcl-layer-head" },
      h("span", { class: "pcl-layer-name" }, `${n}. ${KIND[layer.kind] || "layer"}`),
      layer.id ? h("code", { class: "pcl-layer-id" }, layer.id) : null,
      h("span", { class: "pcl-layer-size", "data-size": layer.size }, facts),
      layer.exists === false ? h("span", { class: "pcl-warn" }, "not unpacked yet") : null),
    layer.label ? h("div", { class: "pcl-layer-label", title: layer.path }, layer.label) : null,
    chips("pcl-whiteouts", layer.whiteouts, layer.whiteout_count, "whiteouts: files of lower layers this layer deletes"),
    chips("pcl-opaque", layer.opaque, layer.opaque.length, "opaque directories: nothing below shows through"),
    layer.copied_up && layer.copied_up.length
      ? h("div", { class: "pcl-chips pcl-copied", title: "files the container changed: copied up from here, this layer untouched" },
        "↑ copied up: ", layer.copied_up.map((p) => h("code", {}, p)))
      : null);
}

function rwBox(rw, layers) {
  const list = rw.changes.map((c) => h("li", { class: `pcl-change pcl-change-${c.kind}`, "data-kind": c.kind, "data-path": c.path },
    h("b", {}, c.kind), " ", h("code", {}, c.path), " ",
    h("span", { class: "pcl-why" },
      c.kind === "C" && c.from !== null && !c.dir ? `copied up from layer ${c.from + 1}` :
        c.kind === "D" ? "whiteout: hides it in the layers below" : CHANGE[c.kind])));
  const more = rw.change_count > rw.changes.length ? h("li", { class: "pcl-more" }, `+${rw.change_count - rw.changes.length} more`) : null;
  return h("div", { class: "pcl-layer pcl-layer-rw", "data-kind": "rw" },
    h("div", { class: "pcl-layer-head" },
      h("span", { class: "pcl-layer-name" }, `${layers.length + 1}. read-write layer`),
      h("span", { class: "pcl-layer-size", "data-size": rw.size }, `${size(rw.size)} in ${rw.files} entries`)),
    h("div", { class: "pcl-layer-label", title: rw.path }, rw.label),
    rw.changes.length ? h("ul", { class: "pcl-changes" }, list, more)
      : h("div", { class: "pcl-hint" }, "no changes yet: every file is read from the layers below"));
}

function render({ model, el }) {
  const root = h("div", { class: "pcl-layers" });
  el.append(root);

  function draw() {
    const layers = model.get("layers") || [];
    const rw = model.get("rw") || {};
    const driver = model.get("driver");
    const refresh = h("button", { class: "pcl-refresh", title: "look at the layers again" }, "↻ refresh");
    refresh.addEventListener("click", () => model.send({ type: "refresh" }));
    const head = h("div", { class: "pcl-layers-head" },
      h("span", { class: "pcl-title" }, model.get("title")),
      driver ? h("span", { class: "pcl-driver" }, `storage driver ${driver}`) : null,
      h("span", { class: "pcl-status", "data-refreshes": model.get("refreshes") },
        model.get("auto_refresh") > 0 ? `refreshing every ${model.get("auto_refresh")} s` : `refreshed ${model.get("refreshes")}×`),
      refresh);
    const boxes = [];
    if (rw.path) boxes.push(rwBox(rw, layers));
    for (let i = layers.length - 1; i >= 0; i--) boxes.push(layerBox(layers[i], i + 1));
    const hint = h("div", { class: "pcl-hint" },
      "Read from the top down: a path is found in the highest layer that has it. Lower layers never change.");
    const error = model.get("error") ? h("div", { class: "pcl-error" }, model.get("error")) : null;
    root.replaceChildren(...[head, error, h("div", { class: "pcl-stack" }, boxes), hint].filter((x) => x));
  }

  const names = ["title", "driver", "layers", "rw", "refreshes", "auto_refresh", "error"];
  for (const name of names) model.on(`change:${name}`, draw);
  draw();
  return () => { for (const name of names) model.off(`change:${name}`, draw); };
}

export default { render };
