/* vasmap report: the page's script (included by src/view/report/mod.rs).
 *
 * The page is whole without it: the header, the drawing and the table are HTML and SVG
 * written by vasmap. This script enhances them from the embedded data, the `--json`
 * document in #vasmap-data (docs/json.md) and the page's own facts in #vasmap-page:
 * sorting by any column, filters (name, permissions, kind, a drawing block), and a panel
 * with the clicked region's details. The table's rows are in the document's order (the
 * regions' order, by address), so row i is region i.
 *
 * Text from the data is only ever put in the page with textContent, never as HTML, and
 * names are escaped as the terminal views escape them (escapeName), so a file called
 * "script" in angle brackets is text, and one holding an escape sequence shows it as \e.
 */
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  document.documentElement.classList.remove("nojs");
  const data = JSON.parse($("vasmap-data").textContent);
  const facts = JSON.parse($("vasmap-page").textContent);
  const regions = data.regions;
  const table = $("maps");
  const tbody = table.tBodies[0];
  const rows = Array.from(tbody.rows);
  if (rows.length !== regions.length) {
    console.warn("vasmap report: the table and the data differ; the page is not enhanced");
    return;
  }
  const index = new Map(rows.map((tr, i) => [tr, i]));
  const noteOf = new Map((facts.marks || []).map(([i, note]) => [i, note]));
  // A cut page writes each explanation once, as a style rule for its cells' class inside
  // <noscript> (html.rs, write_word_styles), so that only a reader without JavaScript
  // pays for the generated text. Here the words go into the cells as text (find-in-page
  // and copying see them), a few thousand rows at a time so the page answers at once.
  const words = facts.explain_texts || [];
  const wordOf = (td) => {
    const m = /^e(\d+)$/.exec(td.className);
    return m && words[+m[1]] !== undefined ? words[+m[1]] : null;
  };
  if (words.length) {
    const cells = Array.from(tbody.querySelectorAll("td[class^=e]"));
    let at = 0;
    const fill = () => {
      for (const end = Math.min(at + 4000, cells.length); at < end; at++) {
        const w = wordOf(cells[at]);
        if (w !== null) {
          cells[at].textContent = w;
          cells[at].removeAttribute("class");
        }
      }
      if (at < cells.length) setTimeout(fill, 0);
    };
    fill();
  }
  /* ---- Names, escaped as crate::text::escape_name escapes them. ---- */
  function decodeUtf8(bytes) {
    // Code points, and {bad: byte} for each byte that is not part of valid UTF-8.
    const out = [];
    for (let i = 0; i < bytes.length; ) {
      const b = bytes[i];
      let n = 0, cp = 0, min = 0;
      if (b < 0x80) { out.push(b); i++; continue; }
      if (b >= 0xc2 && b <= 0xdf) { n = 1; cp = b & 0x1f; min = 0x80; }
      else if (b >= 0xe0 && b <= 0xef) { n = 2; cp = b & 0x0f; min = 0x800; }
      else if (b >= 0xf0 && b <= 0xf4) { n = 3; cp = b & 0x07; min = 0x10000; }
      let ok = n > 0 && i + n < bytes.length;
      for (let k = 1; ok && k <= n; k++) {
        const c = bytes[i + k];
        if (c === undefined || (c & 0xc0) !== 0x80) ok = false;
        else cp = (cp << 6) | (c & 0x3f);
      }
      if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
      if (ok) { out.push(cp); i += n + 1; } else { out.push({ bad: b }); i++; }
    }
    return out;
  }
  const hex2 = (v) => v.toString(16).padStart(2, "0");
  function escapeName(text, bytes) {
    const items = bytes ? decodeUtf8(bytes) : Array.from(text, (c) => c.codePointAt(0));
    let lead = 0;
    while (lead < items.length && items[lead] === 0x20) lead++;
    let trail = 0;
    if (lead < items.length) {
      while (items[items.length - 1 - trail] === 0x20) trail++;
    }
    let s = "\\x20".repeat(lead);
    for (const it of items.slice(lead, items.length - trail)) {
      if (typeof it === "object") { s += "\\x" + hex2(it.bad); continue; }
      const c = it;
      const bidi = c === 0x200e || c === 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
      if (c === 0x5c) s += "\\\\";
      else if (c === 0x0a) s += "\\n";
      else if (c === 0x09) s += "\\t";
      else if (c === 0x0d) s += "\\r";
      else if (c === 0x1b) s += "\\e";
      else if (c < 0x20 || c === 0x7f) s += "\\x" + hex2(c);
      else if ((c >= 0x80 && c <= 0x9f) || bidi) s += "\\u{" + c.toString(16).padStart(4, "0") + "}";
      else s += String.fromCodePoint(c);
    }
    return s + "\\x20".repeat(trail);
  }
  const nameOf = (r) => escapeName(r.name, r.name_bytes);

  /* ---- Numbers. ---- */
  function human(bytes) {
    const units = ["B", "K", "M", "G", "T", "P", "E"];
    let v = bytes, u = 0;
    while (v >= 1024 && u + 1 < units.length) { v /= 1024; u++; }
    const one = v.toFixed(1);
    if (u === 0 || v >= 100 || one.endsWith(".0")) return Math.round(v) + units[u];
    return one + units[u];
  }
  const big = (h) => BigInt(h);
  const fig = (r, k) => (r.smaps && typeof r.smaps[k] === "number" ? r.smaps[k] : 0);
  const dirty = (r) => fig(r, "Shared_Dirty") + fig(r, "Private_Dirty");
  const explainCol = Array.from(table.tHead.rows[0].cells).findIndex((th) => th.dataset.key === "explain");
  const explainOf = (i) => {
    if (regions[i].explain) return regions[i].explain.text;
    if (explainCol < 0) return "";
    const td = rows[i].cells[explainCol];
    return wordOf(td) ?? td.textContent;
  };

  /* ---- Sorting. ---- */
  const keys = {
    start: (r) => r.start.slice(2).padStart(16, "0"),
    size: (r) => r.size,
    rss: (r) => fig(r, "Rss"),
    pss: (r) => fig(r, "Pss"),
    dirty: dirty,
    swap: (r) => fig(r, "Swap"),
    perms: (r) => r.perms,
    kind: (r) => r.kind,
    name: (r) => r.name,
    explain: (r, i) => explainOf(i),
    note: (r, i) => noteOf.get(i) || "",
  };
  let sorted = { key: "start", dir: 1 };
  function sortBy(key, dir) {
    const k = keys[key];
    if (!k) return;
    const vals = regions.map((r, i) => k(r, i));
    const order = regions.map((_, i) => i);
    order.sort((a, b) => {
      const x = vals[a], y = vals[b];
      const c = x < y ? -1 : x > y ? 1 : 0;
      return c * dir || a - b;
    });
    const frag = document.createDocumentFragment();
    for (const i of order) frag.appendChild(rows[i]);
    tbody.appendChild(frag);
    sorted = { key, dir };
    for (const th of table.tHead.rows[0].cells) {
      if (th.dataset.key === key) th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
  }
  table.tHead.addEventListener("click", (ev) => {
    const th = ev.target.closest("th[data-key]");
    if (!th) return;
    const key = th.dataset.key;
    const numeric = th.classList.contains("num");
    const dir = sorted.key === key ? -sorted.dir : numeric ? -1 : 1;
    sortBy(key, dir);
  });
  table.tHead.rows[0].cells[0].setAttribute("aria-sort", "ascending");

  /* ---- Filters. ---- */
  const fName = $("f-name"), fPerms = $("f-perms"), fKind = $("f-kind"), fRange = $("f-range");
  const kinds = new Map();
  for (const r of regions) kinds.set(r.kind, (kinds.get(r.kind) || 0) + 1);
  for (const [k, n] of Array.from(kinds).sort()) {
    const o = document.createElement("option");
    o.value = k;
    o.textContent = k.replace(/_/g, " ") + " (" + n + ")";
    fKind.appendChild(o);
  }
  let range = null; // [lo, hi) as BigInts, from a drawing block
  function permsMatch(p, want) {
    for (const c of want) {
      if (c === "r" && p[0] !== "r") return false;
      if (c === "w" && p[1] !== "w") return false;
      if (c === "x" && p[2] !== "x") return false;
      if (c === "s" && p[3] !== "s") return false;
      if (c === "p" && p[3] !== "p") return false;
    }
    return true;
  }
  function applyFilters() {
    const name = fName.value.toLowerCase();
    const perms = fPerms.value.toLowerCase().replace(/[^rwxsp]/g, "");
    const kind = fKind.value;
    let shown = 0;
    regions.forEach((r, i) => {
      let ok = (!kind || r.kind === kind) && permsMatch(r.perms, perms);
      if (ok && name) ok = r.name.toLowerCase().includes(name) || nameOf(r).toLowerCase().includes(name);
      if (ok && range) ok = big(r.start) < range[1] && range[0] < big(r.end);
      rows[i].hidden = !ok;
      if (ok) shown++;
    });
    $("shown").textContent = shown + " of " + regions.length + " mappings shown";
    fRange.textContent = range ? "in " + "0x" + range[0].toString(16) + "–0x" + range[1].toString(16) : "";
  }
  for (const el of [fName, fPerms]) el.addEventListener("input", applyFilters);
  fKind.addEventListener("change", applyFilters);
  $("f-clear").addEventListener("click", () => {
    fName.value = fPerms.value = fKind.value = "";
    range = null;
    for (const a of document.querySelectorAll("#drawing a.blk.on")) a.classList.remove("on");
    applyFilters();
  });

  /* ---- The drawing. ---- */
  for (const a of document.querySelectorAll("#drawing a.blk")) {
    a.addEventListener("click", (ev) => {
      ev.preventDefault();
      for (const o of document.querySelectorAll("#drawing a.blk.on")) o.classList.remove("on");
      a.classList.add("on");
      range = [big(a.dataset.start), big(a.dataset.end)];
      applyFilters();
      const first = regions.findIndex((r) => big(r.start) < range[1] && range[0] < big(r.end));
      if (first >= 0) select(first);
      $("mappings").scrollIntoView({ block: "start" });
    });
  }

  /* ---- Details. ---- */
  const details = $("details");
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function kv(tbl, k, v) {
    const tr = tbl.insertRow();
    tr.insertCell().textContent = k;
    const td = tr.insertCell();
    td.textContent = v;
    td.className = "v";
  }
  /* The page strip: the state of each page of the region (a file's page, an anonymous
   * one, swapped, not yet touched), as `vasmap pages` draws it, from #vasmap-pages (one
   * entry per region: a character a cell, each cell the most notable of its pages).
   * A saved capture or a core records no page states: there is no such element then. */
  const pages = $("vasmap-pages") ? JSON.parse($("vasmap-pages").textContent) : null;
  const meaning = new Map(((pages && pages.legend) || []).map((l) => [l.symbol, l.meaning]));
  const SYMBOL_CLASS = { A: "pA", a: "pa", F: "pF", f: "pf", z: "pz", s: "ps", "?": "pq", ".": "pe" };
  function pageStrip(i) {
    const box = el("div", undefined, "pages");
    if (!pages) {
      box.appendChild(el("p", "Not in this page: a saved capture or a core dump records no page states, and --no-pages leaves them out.", "hint"));
      return box;
    }
    const a = pages.regions[i];
    if (!a) {
      box.appendChild(el("p", pages.note || "Not read for this region.", "hint"));
      return box;
    }
    // [cells, cell_pages, pages, present, file, anonymous, exclusive, swapped]
    const s = Object.fromEntries(pages.fields.map((f, j) => [f, a[j]]));
    const kb = (n) => human(n * pages.page_size);
    box.appendChild(el("p", s.pages + " pages (" + kb(s.pages) + "): " + s.present + " present (" + s.file + " file, " + s.anonymous + " anonymous), " + s.exclusive + " exclusive, " + s.swapped + " swapped", "what"));
    if (s.cell_pages > 1) box.appendChild(el("p", "Each character stands for " + s.cell_pages + " pages and shows the most notable of them.", "hint"));
    const strip = el("div", undefined, "strip mono");
    // 32 cells a line, in groups of 16, as narrow as the panel.
    for (let at = 0; at < s.cells.length; at += 32) {
      const line = el("div");
      const text = s.cells.slice(at, at + 32);
      let j = 0;
      while (j < text.length) {
        let k = j;
        while (k < text.length && text[k] === text[j] && (k === j || k % 16 !== 0)) k++;
        if (j > 0 && j % 16 === 0) line.append(" ");
        line.appendChild(el("span", text.slice(j, k), SYMBOL_CLASS[text[j]] || ""));
        j = k;
      }
      strip.appendChild(line);
    }
    box.appendChild(strip);
    const legend = el("ul", undefined, "plegend");
    for (const c of new Set(s.cells)) {
      const li = el("li");
      li.appendChild(el("span", c, "mono " + (SYMBOL_CLASS[c] || "")));
      li.append(" " + (meaning.get(c) || ""));
      legend.appendChild(li);
    }
    box.appendChild(legend);
    return box;
  }
  function neighbour(list, j, label) {
    const li = el("li");
    if (j < 0 || j >= regions.length) {
      li.textContent = label + ": none";
      return list.appendChild(li);
    }
    const r = regions[j];
    li.append(label + ": ");
    const b = el("button", (nameOf(r) || "[" + r.kind.replace(/_/g, " ") + "]") + " at " + r.start, "link");
    b.type = "button";
    b.addEventListener("click", () => select(j, true));
    li.appendChild(b);
    return list.appendChild(li);
  }
  let selected = -1;
  function select(i, scroll) {
    if (selected >= 0) rows[selected].classList.remove("sel");
    selected = i;
    rows[i].classList.add("sel");
    if (scroll) rows[i].scrollIntoView({ block: "nearest" });
    const r = regions[i];
    details.replaceChildren();
    details.appendChild(el("h3", nameOf(r) || "[" + r.kind.replace(/_/g, " ") + "]"));
    let kind = r.kind.replace(/_/g, " ");
    if (r.tid !== undefined) kind += " (tid " + r.tid + ")";
    if (r.shmid !== undefined) kind += " (shmid " + r.shmid + ")";
    details.appendChild(el("p", kind + ", " + r.perms + (r.wx ? " — writable AND executable" : ""), "what"));
    const what = explainOf(i);
    if (what) details.appendChild(el("p", what, "what"));
    const note = noteOf.get(i);
    if (note) details.appendChild(el("p", note, "what"));
    if (facts.fault_region === i) {
      const off = big(facts.fault) - big(r.start);
      details.appendChild(el("p", "The fault address " + facts.fault + " is here, 0x" + off.toString(16) + " into the mapping.", "what fault"));
    }
    const facts_t = el("table");
    kv(facts_t, "range", r.start + "–" + r.end);
    kv(facts_t, "size", human(r.size) + " (" + r.size + " bytes)");
    kv(facts_t, "offset", r.offset);
    kv(facts_t, "device", r.device);
    kv(facts_t, "inode", String(r.inode));
    details.appendChild(facts_t);
    if (r.explain && r.explain.sections && r.explain.sections.length) {
      details.appendChild(el("h4", "ELF sections"));
      const ul = el("ul");
      for (const s of r.explain.sections) ul.appendChild(el("li", s));
      details.appendChild(ul);
    }
    details.appendChild(el("h4", "smaps figures"));
    if (r.smaps) {
      const t = el("table");
      for (const [k, v] of Object.entries(r.smaps)) {
        const plain = k === "THPeligible" || k === "ProtectionKey";
        kv(t, k, plain ? String(v) : v + " kB");
      }
      if (r.vm_flags) kv(t, "VmFlags", r.vm_flags.join(" "));
      details.appendChild(t);
      if (facts.smaps === "cut") details.appendChild(el("p", "Only the table's figures are kept in this page (see the note at the top).", "hint"));
    } else {
      details.appendChild(el("p", "None: " + (data.has_smaps ? "the kernel gave none for this mapping." : "read from a maps capture, which has no smaps figures."), "hint"));
    }
    details.appendChild(el("h4", "Neighbours"));
    const ul = el("ul");
    neighbour(ul, i + 1, "above");
    neighbour(ul, i - 1, "below");
    if (i + 1 < regions.length) {
      const gap = big(regions[i + 1].start) - big(r.end);
      if (gap > 0n) ul.appendChild(el("li", human(Number(gap)) + " unmapped above it"));
    }
    if (i > 0) {
      const gap = big(r.start) - big(regions[i - 1].end);
      if (gap > 0n) ul.appendChild(el("li", human(Number(gap)) + " unmapped below it"));
    }
    details.appendChild(ul);
    details.appendChild(el("h4", "Pages"));
    details.appendChild(pageStrip(i));
  }
  tbody.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr");
    if (tr && index.has(tr)) select(index.get(tr));
  });

  applyFilters();
  if (typeof facts.fault_region === "number") select(facts.fault_region, true);
  window.vasmapReport = { data, facts, select, sortBy, applyFilters };
})();
