"use strict";
/* The Directions panel of `wp serve`: a relation (a set or typed pairs) as arrows with its consistency
   beside shuffled pairs, and words placed on one or two axes built from opposed pairs, one column per
   model. Uses app.js's helpers (ask, element, columnsFor, drawMap, problem, ...). */

const spaced = (text) => text.trim().split(/\s+/).filter(Boolean);

async function setUpDirections() {
  const sets = await ask("relation-sets");
  if (sets.ok) $("dir-set").append(...sets.body.sets.map((name) => element("option", {value: name}, name)));
  columnsFor("dir-relation");
  columnsFor("dir-axis");
  $("dir-relation").addEventListener("submit", (event) => {
    event.preventDefault();
    renderRelation();
  });
  $("dir-axis").addEventListener("submit", (event) => {
    event.preventDefault();
    renderAxes();
  });
}

/* Called by app.js when a model's vectors change: the answers shown are asked again. */
function redrawDirections() {
  if ($("dir-relation-columns").dataset.shown !== undefined) renderRelation();
  if ($("dir-axis-columns").dataset.shown !== undefined) renderAxes();
}

async function renderRelation() {
  const ticket = tickets.relation = (tickets.relation || 0) + 1;
  const set = $("dir-set").value;
  const params = set ? {set} : {pair: spaced($("dir-pairs").value)};
  const answers = await Promise.all(models.map((model) => ask("relation", asked(model, params))));
  if (ticket !== tickets.relation) return;
  models.forEach((model, i) => showRelation(model, answers[i]));
  $("dir-relation-columns").dataset.shown = set || $("dir-pairs").value.trim();
}

function showRelation(model, answer) {
  const body = $(`dir-relation-${model.index}-body`);
  const map = $(`dir-relation-${model.index}-map`);
  if (shownProblem(answer, model, body, map)) return;
  const r = answer.body;
  const ends = new Set(r.pairs.map((p) => p.b));
  body.replaceChildren(...[
    element("p", {class: "direction-summary"}, "consistency ", element("strong", {}, score(r.consistency)),
            ` against ${score(r.shuffled.mean)} ± ${score(r.shuffled.sd)} for shuffled pairs `,
            `(beats ${r.percentile}% of ${r.shuffled.shuffles} shuffles); a + mean offset of the others is nearest to b `,
            `for ${r.hits} of ${r.pairs.length} pairs.`),
    r.skipped.length ? element("p", {class: "missing"}, `Skipped ${r.skipped.length} pairs with a word the model lacks: `,
                                 r.skipped.map((p) => `${p.a}:${p.b}`).join(" ")) : null,
    element("ol", {class: "neighbours pairs"}, ...r.pairs.map((p) => element("li", {},
      element("span", {class: "word", title: `${p.a}:${p.b}, rank of ${p.b}: ${p.rank}`}, `${p.a}:${p.b}`),
      element("span", {class: "bar", style: `--fill: ${Math.max(0, p.consistency) * 100}%`}),
      element("span", {class: "score"}, score(p.consistency)))))].filter(Boolean));
  drawMap(map, r.points, (w) => (ends.has(w) ? MODEL_COLOURS[model.index] : QUERY_COLOUR), r.pairs.map((p) => [p.a, p.b]));
}

async function renderAxes() {
  const ticket = tickets.axes = (tickets.axes || 0) + 1;
  const params = {x: spaced($("dir-x").value), y: spaced($("dir-y").value), word: spaced($("dir-words").value)};
  const answers = await Promise.all(models.map((model) => ask("axis", asked(model, params))));
  if (ticket !== tickets.axes) return;
  models.forEach((model, i) => showAxes(model, answers[i]));
  $("dir-axis-columns").dataset.shown = [$("dir-x").value, $("dir-y").value, $("dir-words").value].join(" | ").trim();
}

function showAxes(model, answer) {
  const body = $(`dir-axis-${model.index}-body`);
  const chart = $(`dir-axis-${model.index}-map`);
  if (shownProblem(answer, model, body, chart)) return;
  const {axes, words: placed, axes_cosine: between} = answer.body;
  body.replaceChildren(...[...axes.map((axis, i) => element("p", {class: "direction-summary"}, `axis ${i + 1}: `,
    element("strong", {}, axis.label), ` (from ${axis.pairs.map((p) => `${p.a}:${p.b}`).join(" ")})`)),
    between === undefined ? null : element("p", {class: "hint"}, `cosine between the two axes: ${score(between)}`)]
    .filter(Boolean));
  chart.hidden = false;
  const colour = MODEL_COLOURS[model.index];
  const layout = {margin: {l: 90, r: 16, t: 8, b: 44}, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fbfbfd",
                  font: {size: 12, color: "#2d3748"}, showlegend: false};
  if (axes.length === 1) {
    const shown = [...placed].sort((p, q) => p.positions[0] - q.positions[0]);
    Plotly.react(chart, [{type: "bar", orientation: "h", x: shown.map((p) => p.positions[0]),
      y: shown.map((p) => plotlyText(p.word)), marker: {color: shown.map((p) => (p.positions[0] < 0 ? QUERY_COLOUR : colour))},
      hovertemplate: "%{y}: %{x:.4f}<extra></extra>"}],
    {...layout, height: Math.max(160, 24 * shown.length + 60), yaxis: {type: "category", automargin: true},
     xaxis: {title: {text: `cosine with ${plotlyText(axes[0].label)}`}, zeroline: true}}, PLOT_CONFIG);
  } else {
    Plotly.react(chart, [{type: "scatter", mode: "markers+text", x: placed.map((p) => p.positions[0]),
      y: placed.map((p) => p.positions[1]), text: placed.map((p) => plotlyText(p.word)), textposition: "top center",
      cliponaxis: false, marker: {size: 9, color: colour}, hovertemplate: "<b>%{text}</b> %{x:.4f}, %{y:.4f}<extra></extra>"}],
    {...layout, height: 360, xaxis: {title: {text: `cosine with ${plotlyText(axes[0].label)}`}, zeroline: true},
     yaxis: {title: {text: `cosine with ${plotlyText(axes[1].label)}`}, zeroline: true}}, PLOT_CONFIG);
  }
}
