/* A destination's records: filter, sort, and download the visible rows as CSV.
 *
 * The records come from /data/browse/districts/<slug>.json (downloads/browse.py), fetched only
 * when the button is pressed: every value a code into "values", money in fen. The CSV is made
 * here, in the browser, with the published file's columns and format (UTF-8 with BOM, every
 * field quoted, amounts with two decimals), so with no filter and the published order it is
 * the destination's disbursements.csv byte for byte. Texts come from the page (.rf-texts).
 */
(function () {
  "use strict";
  var FILTERS = ["round", "fund_source", "category", "recipient_group", "aid_type", "disbursing_unit"];
  var STEP = 100; // rows drawn at a time

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text != null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k] == null ? "" : String(values[k]); });
  }

  function amount(fen) {
    var whole = Math.floor(fen / 100), cents = fen % 100;
    return whole + "." + (cents < 10 ? "0" : "") + cents;
  }

  function yuan(fen) {
    return "¥" + amount(fen).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function quote(text) {
    return '"' + String(text).replace(/"/g, '""') + '"';
  }

  function setup(box) {
    var T = JSON.parse(box.querySelector(".rf-texts").textContent);
    var form = box.querySelector(".rf-form");
    var status = box.querySelector(".rf-status");
    var tableBox = box.querySelector(".rf-table");
    var data = null, visible = [], drawn = 0;
    box.querySelector(".js-only").hidden = false;

    function column(name) { return data.fields.indexOf(name); }
    function text(row, name) {
      var i = column(name);
      if (name === "record_id") return row[0];
      if (name === "amount_yuan") return amount(row[row.length - 1]);
      return i < 0 ? "" : data.values[name][row[i]];
    }
    function shown(name, raw) {
      if (name === "aid_type") return T.aid_types[raw] || raw;
      if (name === "round") return T.rounds[raw] || raw;
      if (name === "date" && raw === "") return T.date_withheld;
      return raw;
    }

    function options() {
      FILTERS.forEach(function (name) {
        var select = form.elements[name], i = column(name), counts = {};
        data.rows.forEach(function (row) { counts[row[i]] = (counts[row[i]] || 0) + 1; });
        select.appendChild(new Option(T.all, ""));
        data.values[name].forEach(function (raw, code) {
          if (counts[code]) select.appendChild(new Option(shown(name, raw) + "（" + counts[code] + "）", String(code)));
        });
      });
    }

    function apply() {
      var wanted = FILTERS.map(function (name) {
        var v = form.elements[name].value;
        return v === "" ? null : [column(name), Number(v)];
      }).filter(Boolean);
      visible = data.rows.filter(function (row) {
        return wanted.every(function (w) { return row[w[0]] === w[1]; });
      });
      var sort = form.elements.sort.value, fen = data.fields.length - 1, date = column("date");
      if (sort === "amount-desc") visible.sort(function (a, b) { return b[fen] - a[fen]; });
      else if (sort === "amount-asc") visible.sort(function (a, b) { return a[fen] - b[fen]; });
      else if (sort === "id") visible.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
      else if (sort === "date") visible.sort(function (a, b) {
        var x = data.values.date[a[date]] || "9999", y = data.values.date[b[date]] || "9999";
        return x < y ? -1 : x > y ? 1 : 0;
      });
      var total = visible.reduce(function (s, row) { return s + row[fen]; }, 0);
      status.textContent = fill(T.status, { n: visible.length, all: data.rows.length, total: yuan(total) });
      draw(true);
    }

    function draw(fresh) {
      if (fresh) {
        drawn = 0;
        tableBox.textContent = "";
        var wrap = el("div", null, "table-wrap");
        var table = el("table", null, "records");
        table.appendChild(el("caption", T.caption));
        var head = el("tr");
        T.shown_columns.forEach(function (c) { var th = el("th", T.headers[c], c === "amount_yuan" ? "num" : null); th.scope = "col"; head.appendChild(th); });
        var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
        table.appendChild(el("tbody"));
        wrap.appendChild(table);
        tableBox.appendChild(wrap);
        var more = el("button", T.more, "rf-more");
        more.type = "button";
        more.addEventListener("click", function () { draw(false); });
        tableBox.appendChild(more);
      }
      var body = tableBox.querySelector("tbody");
      visible.slice(drawn, drawn + STEP).forEach(function (row) {
        var tr = el("tr");
        T.shown_columns.forEach(function (c) {
          var raw = text(row, c);
          tr.appendChild(el("td", c === "amount_yuan" ? yuan(row[row.length - 1]) : shown(c, raw), c === "amount_yuan" ? "num" : null));
        });
        body.appendChild(tr);
      });
      drawn = Math.min(drawn + STEP, visible.length);
      tableBox.querySelector(".rf-more").hidden = drawn >= visible.length;
    }

    function csv() {
      var lines = [data.columns.map(quote).join(",")];
      visible.forEach(function (row) {
        lines.push(data.columns.map(function (c) { return quote(text(row, c)); }).join(","));
      });
      return "\uFEFF" + lines.join("\n") + "\n";
    }

    box.querySelector(".rf-load").addEventListener("click", function (event) {
      var button = event.target;
      button.disabled = true;
      status.textContent = T.loading;
      form.hidden = false;
      fetch(box.getAttribute("data-src"))
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(function (json) {
          data = json;
          options();
          button.hidden = true;
          box.querySelector(".rf-note").hidden = true;
          apply();
          box.dataset.ready = "1";
        })
        .catch(function () { status.textContent = T.failed; button.disabled = false; });
    });
    form.addEventListener("change", apply);
    form.addEventListener("reset", function () { setTimeout(apply, 0); });
    box.querySelector(".rf-download").addEventListener("click", function () {
      var blob = new Blob([csv()], { type: "text/csv;charset=utf-8" });
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = box.getAttribute("data-name") + "-" + T.file_suffix + ".csv";
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    });
    box.csvText = csv; // the browser tests compare it with the published file
  }

  document.querySelectorAll(".record-filter").forEach(setup);
})();
