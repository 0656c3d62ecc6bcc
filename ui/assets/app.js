// Clicking an inline [n] marker brings its source card into view, with its highlighted sentence, and marks it active.
// One delegated listener (capture phase) so it works for messages rendered later and
// runs before the chatbot's own link handling (which would open a new tab).
(() => {
  function activate(id) {
    const card = document.getElementById(id);
    if (!card) return false;
    for (let el = card.parentElement; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
    }
    document.querySelectorAll(".rag-src-card.rag-active").forEach((c) => c.classList.remove("rag-active"));
    card.classList.add("rag-active");
    // The passage box scrolls on its own (a long chunk): bring its first cited sentence into it, a third of the way down.
    const text = card.querySelector(".rag-src-text");
    const mark = text ? text.querySelector("mark.rag-hl") : null;
    if (mark) text.scrollTop += mark.getBoundingClientRect().top - text.getBoundingClientRect().top - text.clientHeight / 3;
    card.scrollIntoView({ behavior: "smooth", block: "nearest" });
    return true;
  }
  document.addEventListener(
    "click",
    (event) => {
      const link = event.target && event.target.closest ? event.target.closest("a.rag-cite") : null;
      if (!link) return;
      const href = link.getAttribute("href") || "";
      if (!href.startsWith("#rag-src-")) return;
      event.preventDefault();
      event.stopPropagation();
      activate(href.slice(1));
    },
    true,
  );
  window.ragActivateSource = activate;

  // An empty question is stopped here, before it reaches the server: there it would be an error (which API clients
  // need), and Gradio would mark every output of the event as failed. The box says what to do instead.
  function blank() {
    const box = document.querySelector("#rag-question textarea");
    if (!box || box.value.trim()) return false;
    box.value = "";
    box.placeholder = "Type a question first, then press Enter or Ask.";
    box.classList.add("rag-needs-text");
    box.focus();
    return true;
  }
  function stop(event) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
  document.addEventListener("click", (event) => {
    const send = event.target && event.target.closest ? event.target.closest("#rag-send") : null;
    if (send && blank()) stop(event);
  }, true);
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (event.target && event.target.closest && event.target.closest("#rag-question") && blank()) stop(event);
  }, true);
  const PLACEHOLDER = "Ask about your documents…";
  document.addEventListener("input", (event) => {
    const box = event.target;
    if (!box || !box.classList || !box.classList.contains("rag-needs-text")) return;
    box.classList.remove("rag-needs-text");
    box.placeholder = PLACEHOLDER; // the "type a question first" hint is for the empty submit only
  }, true);

  // A source card's passage box scrolls on its own: when a card appears (or its folded group opens), start it at its
  // first highlighted sentence rather than at the top of the chunk, where the highlight may be out of sight.
  function showMarks(root) {
    (root || document).querySelectorAll("#rag-sources .rag-src-text").forEach((text) => {
      if (text.dataset.ragShown || !text.clientHeight) return; // folded: done when its group opens
      const mark = text.querySelector("mark.rag-hl");
      text.dataset.ragShown = "1";
      if (!mark) return;
      const off = mark.getBoundingClientRect().top - text.getBoundingClientRect().top;
      if (off < 0 || off + mark.offsetHeight > text.clientHeight) text.scrollTop += off - text.clientHeight / 3;
    });
  }
  new MutationObserver(() => requestAnimationFrame(() => showMarks())).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("toggle", (event) => {
    if (event.target && event.target.open) requestAnimationFrame(() => showMarks(event.target));
  }, true);
  window.ragShowMarks = showMarks;

  // The chatbot's copy buttons would copy a message's HTML (our answers are HTML). Copy what the reader sees instead:
  // the answer's text with its [n] markers, then its sources; "Copy conversation" does that for every message.
  function answerText(el) {
    if (el.classList.contains("rag-question")) return el.innerText.trim();
    const clone = el.cloneNode(true);
    clone.querySelectorAll(".rag-meta, details.rag-removed, .rag-pending, .rag-unsupported").forEach((e) => e.remove());
    clone.querySelectorAll(".rag-caution, .rag-refusal, .rag-body, .rag-notes li, code.rag-code").forEach((e) => e.append("\n"));
    let text = clone.textContent.replace(/[ \t]+/g, " ").replace(/ *\n */g, "\n").replace(/\n{3,}/g, "\n\n").trim();
    const sources = new Map();
    el.querySelectorAll("a.rag-cite").forEach((a) => {
      const n = a.textContent.trim();
      if (!sources.has(n)) sources.set(n, a.getAttribute("title") || "");
    });
    if (sources.size) text += "\n\nSources:\n" + [...sources].map(([n, f]) => `${n} ${f}`.trim()).join("\n");
    return text;
  }
  window.ragAnswerText = answerText;
  function messageOf(button) {
    // Gradio draws a message's buttons in a panel right after the message's row.
    const panel = button.closest(".message-buttons");
    for (let el = panel && panel.previousElementSibling; el; el = el.previousElementSibling) {
      const found = el.querySelectorAll(".rag-answer, .rag-question");
      if (found.length) return found[found.length - 1];
    }
    for (let el = button.parentElement; el && el.id !== "rag-chat"; el = el.parentElement) {
      const found = el.querySelectorAll(".rag-answer, .rag-question");
      if (found.length) return found[found.length - 1];
    }
    return null;
  }
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.left = "-9999px";
    document.body.append(area);
    area.select();
    try { document.execCommand("copy"); } finally { area.remove(); }
    return Promise.resolve();
  }
  document.addEventListener("click", (event) => {
    const button = event.target && event.target.closest ? event.target.closest("#rag-chat button") : null;
    if (!button) return;
    const label = button.getAttribute("aria-label") || button.getAttribute("title") || "";
    let text = null;
    if (/^Copy conversation/i.test(label)) {
      text = [...document.querySelectorAll("#rag-chat .rag-question, #rag-chat .rag-answer")]
        .map((m) => (m.classList.contains("rag-question") ? "Question: " : "Answer: ") + answerText(m)).join("\n\n");
    } else if (/^Copy( message)?$/i.test(label)) {
      const m = messageOf(button);
      if (m) text = answerText(m);
    }
    if (text === null) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    copyText(text).then(() => {
      button.classList.add("rag-copied");
      setTimeout(() => button.classList.remove("rag-copied"), 1500);
    });
  }, true);
})();
