// Lantian reviewer UI: keyboard review, actions through the REST API with the CSRF token.
// Never builds HTML from data: only textContent and attribute setters.
(function () {
  "use strict";

  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const STATUS = { confirmed: "已确认违规", dismissed: "已排除", escalated: "已上报", flagged: "待审核" };

  function toast(message, isError) {
    const el = document.getElementById("toast");
    if (!el) return;
    el.textContent = message;
    el.className = isError ? "error" : "ok";
    el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { el.hidden = true; }, isError ? 6000 : 2500);
  }

  async function api(method, url, body) {
    const response = await fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.status === 401) { window.location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search); }
    if (!response.ok) {
      const detail = data && data.detail ? (typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail)) : response.statusText;
      throw new Error(detail);
    }
    return data;
  }

  function review(id, action, extra) {
    return api("POST", "/api/v1/listings/" + id + "/reviews", Object.assign({ action: action }, extra || {}));
  }

  // --- dismiss dialog: resolves with a reason, or null when cancelled ---------------------
  function askReason() {
    const dialog = document.getElementById("dismiss-dialog");
    const form = document.getElementById("dismiss-form");
    if (!dialog || !form) return Promise.resolve(null);
    form.reset();
    return new Promise((resolve) => {
      function onClose() {
        dialog.removeEventListener("close", onClose);
        if (dialog.returnValue !== "ok") { resolve(null); return; }
        const preset = (form.querySelector('input[name="preset"]:checked') || {}).value || "";
        const extra = form.elements.reason.value.trim();
        const reason = [preset, extra].filter(Boolean).join("：");
        if (!reason) { toast("排除需要填写理由", true); resolve(null); return; }
        resolve(reason);
      }
      dialog.addEventListener("close", onClose);
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  function dialogKeys(event) {
    const dialog = document.getElementById("dismiss-dialog");
    if (!dialog || !dialog.open) return false;
    if (/^[1-9]$/.test(event.key) && event.target.tagName !== "TEXTAREA") {
      const radios = dialog.querySelectorAll('input[name="preset"]');
      const r = radios[Number(event.key) - 1];
      if (r) { r.checked = true; event.preventDefault(); }
    }
    if (event.key === "Enter" && event.target.tagName !== "TEXTAREA") {
      event.preventDefault();
      dialog.close("ok");
    }
    return true;
  }

  // --- help overlay ------------------------------------------------------------------------
  function toggleHelp(show) {
    const help = document.getElementById("help");
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
  }
  document.querySelectorAll("[data-help]").forEach((b) => b.addEventListener("click", () => toggleHelp()));
  document.querySelectorAll("[data-help-close]").forEach((b) => b.addEventListener("click", () => toggleHelp(false)));

  function typing(event) {
    const t = event.target;
    return t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
  }

  // --- queue page --------------------------------------------------------------------------
  function queuePage() {
    const rows = Array.from(document.querySelectorAll("#queue-table tr.row"));
    let current = rows.length ? 0 : -1;

    function select(i) {
      if (!rows.length) return;
      current = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach((r, n) => r.classList.toggle("current", n === current));
      rows[current].scrollIntoView({ block: "nearest" });
    }

    function picked() {
      const ids = rows.filter((r) => r.querySelector(".pick").checked).map((r) => Number(r.dataset.id));
      return ids;
    }

    function updateCount() {
      const el = document.getElementById("selected-count");
      if (el) el.textContent = String(picked().length);
    }

    function markDone(row, status) {
      row.classList.add("done");
      row.querySelector(".status").textContent = STATUS[status] || status;
    }

    async function act(action) {
      if (current < 0) return;
      const row = rows[current];
      let reason = "";
      if (action === "dismiss") {
        reason = await askReason();
        if (reason === null) return;
      }
      try {
        const result = await review(row.dataset.id, action, { reason: reason });
        markDone(row, result.status);
        toast("线索 " + row.dataset.id + "：" + (STATUS[result.status] || result.status));
        select(current + 1);
      } catch (err) {
        toast("操作失败：" + err.message, true);
      }
    }

    async function bulk(action) {
      const ids = picked();
      if (!ids.length) { toast("请先用 x 勾选线索", true); return; }
      let reason = "";
      if (action === "dismiss") {
        reason = await askReason();
        if (reason === null) return;
      }
      try {
        const result = await api("POST", "/api/v1/reviews/bulk", { action: action, listing_ids: ids, reason: reason });
        result.results.forEach((r) => {
          const row = rows.find((x) => Number(x.dataset.id) === r.listing_id);
          if (row) { markDone(row, r.status); row.querySelector(".pick").checked = false; }
        });
        const failed = Object.keys(result.errors).length;
        toast("已处理 " + result.results.length + " 条" + (failed ? "，" + failed + " 条失败" : ""), failed > 0);
        updateCount();
      } catch (err) {
        toast("批量操作失败：" + err.message, true);
      }
    }

    rows.forEach((row, n) => {
      row.addEventListener("click", (event) => { if (event.target.tagName !== "A") select(n); });
      row.querySelector(".pick").addEventListener("change", updateCount);
    });
    document.querySelectorAll("[data-bulk]").forEach((b) => b.addEventListener("click", () => bulk(b.dataset.bulk)));
    select(0);

    return function (event) {
      switch (event.key) {
        case "j": select(current + 1); return true;
        case "k": select(current - 1); return true;
        case "Enter": case "o": if (current >= 0) window.location.href = rows[current].dataset.href; return true;
        case "c": act("confirm"); return true;
        case "d": act("dismiss"); return true;
        case "e": act("escalate"); return true;
        case "x": if (current >= 0) { const box = rows[current].querySelector(".pick"); box.checked = !box.checked; updateCount(); } return true;
        default: return false;
      }
    };
  }

  // --- listing page ------------------------------------------------------------------------
  function listingPage(section) {
    const id = section.dataset.id;

    async function act(action, extra) {
      let body = extra || {};
      if (action === "dismiss") {
        const reason = await askReason();
        if (reason === null) return;
        body = { reason: reason };
      }
      try {
        const result = await review(id, action, body);
        document.getElementById("status").textContent = STATUS[result.status] || result.status;
        toast("已" + (action === "note" ? "添加备注" : (STATUS[result.status] || result.status)));
        if (["confirm", "dismiss", "escalate"].includes(action)) {
          setTimeout(() => { window.location.href = section.dataset.next || "/queue"; }, 400);
        } else {
          setTimeout(() => window.location.reload(), 400);
        }
      } catch (err) {
        toast("操作失败：" + err.message, true);
      }
    }

    document.querySelectorAll("[data-action]").forEach((b) => b.addEventListener("click", () => act(b.dataset.action)));
    const note = document.getElementById("note-form");
    if (note) note.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = note.elements.reason.value.trim();
      if (!text) { toast("备注不能为空", true); return; }
      act("note", { reason: text });
    });
    const assign = document.getElementById("assign-form");
    if (assign) assign.addEventListener("submit", (event) => {
      event.preventDefault();
      act("assign", { assignee: assign.elements.assignee.value });
    });

    return function (event) {
      switch (event.key) {
        case "c": act("confirm"); return true;
        case "d": act("dismiss"); return true;
        case "e": act("escalate"); return true;
        case "j": window.location.href = section.dataset.next || "/queue"; return true;
        case "k": if (section.dataset.prev) window.location.href = section.dataset.prev; return true;
        default: return false;
      }
    };
  }

  // --- campaigns page ----------------------------------------------------------------------
  document.querySelectorAll("[data-campaign-action]").forEach((b) => b.addEventListener("click", async () => {
    const row = b.closest("[data-campaign]");
    try {
      await api("POST", "/api/v1/campaigns/" + row.dataset.campaign + "/" + b.dataset.campaignAction);
      toast("已提交");
      setTimeout(() => window.location.reload(), 500);
    } catch (err) {
      toast("操作失败：" + err.message, true);
    }
  }));

  // --- keys --------------------------------------------------------------------------------
  const queueSection = document.querySelector('[data-page="queue"]');
  const listingSection = document.querySelector('[data-page="listing"]');
  const pageKeys = queueSection ? queuePage() : listingSection ? listingPage(listingSection) : null;

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (dialogKeys(event)) return;
    if (typing(event)) return;
    if (event.key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (event.key === "Escape") { toggleHelp(false); return; }
    if (event.key === "u" && !queueSection) { window.location.href = "/queue"; return; }
    if (pageKeys && pageKeys(event)) event.preventDefault();
  });
})();
