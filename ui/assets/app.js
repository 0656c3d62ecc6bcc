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
  document.addEventListener("input", (event) => {
    if (event.target && event.target.classList) event.target.classList.remove("rag-needs-text");
  }, true);
})();
