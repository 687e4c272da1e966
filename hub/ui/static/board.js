// Kanban: drag a card onto a column to move it (the same form a keyboard user submits).
document.addEventListener("dragstart", (event) => {
  const card = event.target.closest && event.target.closest(".kcard");
  if (card) event.dataTransfer.setData("text/plain", card.dataset.task);
});
document.addEventListener("dragover", (event) => {
  if (event.target.closest && event.target.closest(".column")) event.preventDefault();
});
document.addEventListener("drop", (event) => {
  const column = event.target.closest && event.target.closest(".column");
  if (!column) return;
  event.preventDefault();
  const id = event.dataTransfer.getData("text/plain");
  const card = document.querySelector(`.kcard[data-task="${CSS.escape(id)}"]`);
  const form = card && card.querySelector("form.move");
  if (!form || card.closest(".column") === column) return;
  form.querySelector("select[name=status]").value = column.dataset.status;
  form.submit();
});
