/* Search and receipt lookup on /search/?q=… — everything from this site, nothing from another host.
 *
 * Full-text search: Pagefind's search API (/pagefind/pagefind.js, built with the site).
 * Receipt lookup: /data/lookup/index.json says how many hex digits name a shard; the id's
 * hash (FNV-1a 32 of its UTF-8 bytes, then MurmurHash3's fmix32, as 8 hex digits — the same
 * as downloads/browse.py) picks the shard /data/lookup/<2 digits>/<depth digits>.csv, which
 * holds the id if it was published. Every text shown comes from the page (#search-labels).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var root = new URL("../../", script.src); // theme/js/search.js → the site's root
  var labels = JSON.parse(document.getElementById("search-labels").textContent);
  var T = labels.texts;
  // On an English page: links to English pages, and the campaign's names in English (warmth_search.html)
  var englishData = document.getElementById("search-english");
  var english = englishData ? JSON.parse(englishData.textContent) : { pages: "", names: {} };
  if (englishData) labels.rounds = english.rounds;
  var ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k] == null ? "" : String(values[k]); });
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text != null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function idHash(text) {
    var bytes = new TextEncoder().encode(text);
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
    return ("0000000" + (h >>> 0).toString(16)).slice(-8);
  }

  function parseCSV(text) {
    var rows = [], row = [], field = "", quoted = false;
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
        } else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ",") { row.push(field); field = ""; }
      else if (c === "\n") { row.push(field); rows.push(row); row = []; field = ""; }
      else if (c !== "\r") field += c;
    }
    if (field !== "" || row.length) { row.push(field); rows.push(row); }
    return rows;
  }

  function yuan(text) {
    var parts = text.split(".");
    return "¥" + parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + (parts[1] || "00");
  }

  var indexPromise = null;
  function lookupIndex() {
    if (!indexPromise) {
      indexPromise = fetch(new URL("data/lookup/index.json", root)).then(function (r) {
        if (!r.ok) throw new Error("index " + r.status);
        return r.json();
      });
    }
    return indexPromise;
  }

  function findRecord(id) {
    return lookupIndex().then(function (index) {
      var key = idHash(id).slice(0, index.depth);
      return fetch(new URL("data/lookup/" + key.slice(0, 2) + "/" + key + ".csv", root)).then(function (r) {
        if (r.status === 404) return null; // no published id hashes to this shard
        if (!r.ok) throw new Error("shard " + r.status);
        return r.text().then(function (text) {
          var rows = parseCSV(text), header = rows[0];
          for (var i = 1; i < rows.length; i++) {
            if (rows[i][0] === id) {
              var record = {};
              header.forEach(function (name, j) { record[name] = rows[i][j]; });
              return record;
            }
          }
          return null;
        });
      });
    });
  }

  function value(name, raw) {
    if (raw === "[已删除]") return raw + T.redacted;
    if (name === "aid_type") return labels.aid_types[raw] || raw;
    if (name === "round") return labels.rounds[raw] ? labels.rounds[raw] + "（" + raw + "）" : raw;
    if (name === "amount_yuan") return yuan(raw);
    if (name === "date" && raw === "") return T.date_withheld;
    return english.names[raw] || raw;
  }

  function showRecord(box, record) {
    box.textContent = "";
    box.appendChild(el("h2", fill(T.lookup_title, { id: record.record_id })));
    if (record.status === "withdrawn") box.appendChild(el("p", T.withdrawn, "notice"));
    var dl = el("dl", null, "lookup-record");
    labels.order.forEach(function (name) {
      if (!(name in record)) return; // a column the site does not publish is not in the index either
      if (record.status === "withdrawn" && name !== "record_id" && name !== "status" && name !== "round") return;
      var raw = record[name];
      if (raw === "" && ["item", "quantity", "unit", "note"].indexOf(name) >= 0) return;
      dl.appendChild(el("dt", labels.fields[name]));
      var dd = el("dd", name === "status" ? labels.status[raw] || raw : value(name, raw));
      if (name === "district" && labels.destinations[raw]) {
        var a = el("a", english.names[raw] || raw);
        a.href = new URL(english.pages + "districts/" + labels.destinations[raw] + "/", root).href;
        dd.textContent = "";
        dd.appendChild(a);
      }
      dl.appendChild(dd);
    });
    box.appendChild(dl);
    if (record.corrections) {
      box.appendChild(el("h3", T.corrections));
      var ul = el("ul");
      JSON.parse(record.corrections).forEach(function (c) {
        var line = c[2] === "withdrawn"
          ? fill(T.withdrawal_line, { id: c[0], date: c[1], reason: c[5] })
          : fill(T.correction_line, { id: c[0], date: c[1], field: labels.correction_fields[c[2]] || c[2], old: c[3] || "—", "new": c[4] || "—", reason: c[5] });
        ul.appendChild(el("li", line));
      });
      box.appendChild(ul);
    }
    box.appendChild(el("p", T.privacy, "lookup-privacy"));
  }

  function lookup(query, box) {
    box.textContent = T.looking_up;
    var tries = [query];
    if (query.toUpperCase() !== query) tries.push(query.toUpperCase());
    function next(i) {
      if (i >= tries.length) {
        box.textContent = "";
        box.appendChild(el("p", fill(T.not_found, { id: query }), "notice"));
        return;
      }
      return findRecord(tries[i]).then(function (record) {
        if (record) showRecord(box, record); else return next(i + 1);
      });
    }
    return Promise.resolve(next(0)).catch(function () {
      box.textContent = "";
      box.appendChild(el("p", T.lookup_failed, "notice"));
    });
  }

  function excerpt(html) {
    // Pagefind's excerpt is escaped text with <mark>; keep exactly that, as text and <mark> nodes
    var doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
    var out = document.createDocumentFragment();
    doc.body.firstChild.childNodes.forEach(function (n) {
      if (n.nodeName === "MARK") out.appendChild(el("mark", n.textContent));
      else out.appendChild(document.createTextNode(n.textContent));
    });
    return out;
  }

  function search(query, box) {
    box.textContent = T.searching;
    return import(new URL("pagefind/pagefind.js", root).href)
      .then(function (pagefind) {
        return pagefind.options({ baseUrl: root.pathname }).then(function () { return pagefind.search(query); });
      })
      .then(function (found) {
        var shown = found.results.slice(0, 20);
        return Promise.all(shown.map(function (r) { return r.data(); })).then(function (pages) {
          box.textContent = "";
          if (!pages.length) {
            box.appendChild(el("p", fill(T.no_results, { q: query })));
            return;
          }
          box.appendChild(el("p", fill(T.results, { n: found.results.length }), "search-count"));
          var ol = el("ol", null, "search-list");
          pages.forEach(function (page) {
            var li = el("li");
            var a = el("a", (page.meta && page.meta.title) || page.url);
            a.href = page.url;
            li.appendChild(a);
            var p = el("p");
            p.appendChild(excerpt(page.excerpt || ""));
            li.appendChild(p);
            ol.appendChild(li);
          });
          box.appendChild(ol);
          if (found.results.length > shown.length) box.appendChild(el("p", fill(T.more, { n: shown.length })));
        });
      })
      .catch(function () {
        box.textContent = "";
        box.appendChild(el("p", T.search_failed, "notice"));
      });
  }

  function names(query, box) {
    // pages whose name holds the query (destinations, sources, categories, rounds, units, weeks: the
    // directory below): exact, whatever way the full-text index cut the words
    var wanted = query.toLowerCase();
    var found = Array.prototype.filter.call(document.querySelectorAll(".directory a"), function (a) {
      return a.textContent.toLowerCase().indexOf(wanted) >= 0;
    });
    if (!found.length) return;
    box.appendChild(el("h2", T.names));
    var ul = el("ul", null, "name-list");
    found.slice(0, 30).forEach(function (a) {
      var li = el("li"), link = el("a", a.textContent);
      link.href = a.href;
      li.appendChild(link);
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  var query = (new URLSearchParams(location.search).get("q") || "").normalize("NFKC").trim();
  if (!query) return;
  document.querySelectorAll('input[name="q"]').forEach(function (input) { input.value = query; });
  names(query, document.getElementById("name-results"));
  var jobs = [search(query, document.getElementById("search-results"))];
  var box = document.getElementById("lookup-result");
  if (ID.test(query) && /\d/.test(query)) jobs.push(lookup(query, box));
  window.__searchDone = Promise.all(jobs); // the browser tests wait for this
})();
