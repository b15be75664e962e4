"use strict";
/* The "Inside a prediction" panel of `wp serve`, for tlm models: one prediction as a row of small
   pictures (the context words' rows of E, their average, the logits, the softmax) with the lab's
   table beneath, the loss, and a button that takes one training step (on the server, on a copy of
   the model: the served model never changes) and shows the probabilities before and after.
   Uses app.js's helpers (ask, element, problem, modelHeading, MODEL_COLOURS). */

const INSIDE_CELLS = 32;  // numbers of a row of E drawn (a model with more shows its first 32)

/* A row of E as a strip of cells: blue above zero, red below, stronger for larger numbers. */
function vectorStrip(label, values, scale) {
  const shown = values.slice(0, INSIDE_CELLS);
  return element("div", {class: "strip-row"}, element("span", {class: "strip-label"}, label),
    element("span", {class: "strip", title: `${label}: ${values.length} numbers`},
      ...shown.map((x) => element("span", {class: "cell", title: x.toFixed(4),
        style: `background: ${x >= 0 ? "rgba(43,108,176," : "rgba(197,48,48,"}${Math.min(1, Math.abs(x) / scale).toFixed(3)})`}))));
}

/* Horizontal bars, one per word: {word, value}; signed values grow both ways from the middle. */
function bars(rows, {signed = false, format, after} = {}) {
  const largest = Math.max(1e-12, ...rows.map((r) => Math.abs(r.value)), ...(after || []).map(Math.abs));
  const bar = (value, extra) => {
    const width = `${(Math.abs(value) / largest) * (signed ? 50 : 100)}%`;
    const left = signed ? (value >= 0 ? "50%" : `calc(50% - ${width})`) : "0";
    return element("span", {class: `fill ${extra}`, style: `width: ${width}; left: ${left}`});
  };
  return element("div", {class: after ? "bars paired" : "bars"}, ...rows.map((r, i) => element("div", {class: "bar-row", "data-word": r.word},
    element("span", {class: "bar-word"}, r.word),
    element("span", {class: "bar-track"}, bar(r.value, "before"), after ? bar(after[i], "after") : null),
    element("span", {class: "bar-value"}, format(r.value), after ? ` → ${format(after[i])}` : ""))));
}

function labTable(text) {
  const head = element("tr", {}, ...text.head.map((cell) => element("th", {}, cell)));
  const rows = text.rows.map((row, i) => element("tr", {class: i === text.rows.length - 1 ? "sum" : ""},
    ...row.map((cell) => element("td", {}, cell))));
  return element("div", {}, element("table", {class: "lab-table"}, element("thead", {}, head), element("tbody", {}, ...rows)),
                 text.note ? element("p", {class: "hint"}, text.note) : null);
}

function stage(title, ...content) {
  return element("figure", {class: "stage"}, element("figcaption", {}, title), ...content);
}

function showInside(card, body) {
  const words = body.table.words;
  const scale = Math.max(1e-12, ...body.rows.flatMap((r) => r.row.map(Math.abs)));
  const target = body.target;
  const stages = element("div", {class: "stages"},
    stage("1. rows of E", ...body.rows.map((r) => vectorStrip(r.word, r.row, scale))),
    element("span", {class: "arrow"}, "→"),
    stage("2. average: ctx_emb", vectorStrip("average", body.ctx_emb, scale)),
    element("span", {class: "arrow"}, "→"),
    stage("3. logits z = ctx_emb·W + b", bars(words.map((word, i) => ({word, value: body.table.z[i]})),
                                            {signed: true, format: (x) => x.toFixed(3)})),
    element("span", {class: "arrow"}, "→"),
    stage("4. softmax σ(z)", bars(words.map((word, i) => ({word, value: body.table.probs[i]})),
                                  {format: (x) => x.toFixed(3)})));
  const parts = [stages, element("h5", {}, "The lab's table ", element("span", {class: "hint"},
    `the top ${body.top.length}${target && !body.top.some((t) => t.word === target) ? " and the target" : ""}; ` +
    `the sum is over all ${body.words.toLocaleString("en")} words`)), labTable(body.table_text)];
  for (const line of body.notes) parts.unshift(element("p", {class: "missing"}, line));
  if (target) {
    parts.push(element("p", {class: "loss"}, `Loss: −ln p(${target}) = −ln ${body.p_target.toFixed(4)} = `,
                       element("strong", {}, body.loss.toFixed(4))),
               element("div", {class: "stages gradient"}, stage(`5. backpropagation: dL/dz = p − onehot(${target})`,
                 bars(words.map((word) => ({word, value: body.dlogits[word]})), {signed: true, format: (x) => x.toFixed(4)}))));
  }
  card.querySelector(".inside-result").replaceChildren(...parts);
  card.querySelector(".inside-step-result").replaceChildren();
  card.querySelector(".take-step").disabled = !target;
}

function showStep(card, body) {
  const {step, table, target} = body;
  card.querySelector(".inside-step-result").replaceChildren(
    element("p", {}, `One step of gradient descent at lr ${step.lr} (on a copy; the served model is unchanged): `,
            `p(${target}) ${body.p_target.toFixed(4)} → `, element("strong", {class: "p-after"}, step.p_target.toFixed(4)),
            `, loss ${body.loss.toFixed(4)} → `, element("strong", {class: "loss-after"}, step.loss.toFixed(4)), "."),
    element("p", {class: "hint"}, "Grey: before the step; coloured: after."),
    bars(table.words.map((word, i) => ({word, value: table.probs[i]})), {format: (x) => x.toFixed(3), after: step.table_probs}));
}

function setUpInside(model, card) {
  const field = (name) => card.querySelector(`.${name}`);
  card.id = `inside-${model.index}`;
  card.querySelector(".model-name").replaceWith(modelHeading(model));
  const query = (step) => ({context: field("inside-context").value, target: field("inside-target").value.trim(),
                            lr: field("inside-lr").value, k: field("inside-k").value, step: step ? "true" : "",
                            model: model.index});
  field("inside-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await ask("explain", query(false));
    if (answer.ok) {
      showInside(card, answer.body);
    } else {
      field("inside-result").replaceChildren(problem(answer, model));
      field("take-step").disabled = true;
    }
    card.dataset.explained = answer.ok ? field("inside-context").value : "";
  });
  field("take-step").addEventListener("click", async () => {
    const answer = await ask("explain", query(true));
    if (answer.ok) showStep(card, answer.body);
    else field("inside-step-result").replaceChildren(problem(answer, model));
    card.dataset.stepped = answer.ok ? "yes" : "";
  });
}

/* Called by app.js's start with the served tlm models. */
function setUpInsidePanel(languageModels) {
  $("inside").hidden = !languageModels.length;
  for (const model of languageModels) {
    const card = $("inside-card").content.firstElementChild.cloneNode(true);
    $("inside-columns").append(card);
    setUpInside(model, card);
  }
  document.body.dataset.insideReady = "yes";
}
