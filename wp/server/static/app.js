"use strict";
/* The page of `wp serve`. It asks the JSON API under /api/ (and nothing else) and draws the answers,
   one column per served model. The queries on the page live in the URL, so links, reloads and the
   back button all work. Plain JavaScript, no build step; Plotly comes from /vendor/plotly.min.js. */

const MODEL_COLOURS = ["#2b6cb0", "#c05621"];
const SHARED_COLOUR = "#2f855a";
const QUERY_COLOUR = "#1a202c";
const ARROW_COLOUR = "#c53030";
const HELD_OUT_COLOUR = "#805ad5";
const CHOSEN = ["vectors0", "vectors1"];  // the state key of each model's choice of vectors (tlm models)
const STATE_KEYS = ["word", "n", "min", "a", "b", "c", "method", "s1", "s2", "odd", ...CHOSEN];
const PANELS = {  // panel -> the state keys of its form (and each asks the models' vectors, CHOSEN)
  explore: ["word", "n", "min"], analogy: ["a", "b", "c", "method"], similarity: ["s1", "s2"], odd: ["odd"],
};
const VECTORS = ["E", "W", "E+W"];  // a tlm model's word vectors (tlm/choice.py)
const INPUTS = {word: "word", n: "n", min: "min-count", a: "a", b: "b", c: "c", method: "method", s1: "s1", s2: "s2", odd: "odd-words"};
const PLOT_CONFIG = {scrollZoom: true, displaylogo: false, responsive: true,
                     modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toImage"]};

let models = [];  // /api/models
let state = {};  // the page's queries, as in the URL
const tickets = {};  // panel -> number of its latest render: older answers arriving late are dropped

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key === "style") node.style.cssText = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

// ---- the API ---------------------------------------------------------------------------------------

async function ask(endpoint, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const item of [].concat(value)) {
      if (item !== undefined && item !== null && item !== "") query.append(key, item);
    }
  }
  try {
    const response = await fetch(`/api/${endpoint}?${query}`);
    const body = await response.json();
    return {ok: response.ok, status: response.status, body};
  } catch (error) {
    return {ok: false, status: 0, body: {error: `no answer from the server (${error.message})`}};
  }
}

// ---- state in the URL ------------------------------------------------------------------------------

function stateFromURL() {
  const query = new URLSearchParams(location.search);
  const read = {};
  for (const key of STATE_KEYS) {
    if (query.get(key)) read[key] = query.get(key);
  }
  for (const key of CHOSEN) {  // a + typed into the address bar reads as a space: vectors1=E+W is E+W
    if (read[key] === "E W") read[key] = "E+W";
  }
  return read;
}

function urlOf(someState) {
  const query = new URLSearchParams();
  for (const key of STATE_KEYS) {
    if (someState[key]) query.set(key, someState[key]);
  }
  return `?${query}`;
}

function fillInputs() {
  for (const [key, id] of Object.entries(INPUTS)) {
    $(id).value = state[key] || (key === "n" ? "10" : key === "method" ? "add" : "");
  }
  for (const input of document.querySelectorAll(".vectors-choice input")) {
    input.checked = input.value === vectorsOf(models[Number(input.dataset.model)]);
  }
}

/* Show new queries: a new history entry, then the panels whose queries changed (or `panel`, asked again). */
function navigate(changes, panel) {
  const previous = state;
  state = {...state, ...changes};
  if (urlOf(state) !== location.search) history.pushState(null, "", urlOf(state));
  fillInputs();
  renderChanged(previous, panel);
  if (panel === "explore" || changes.word) window.scrollTo({top: 0, behavior: "smooth"});
}

function renderChanged(previous, also) {
  for (const [panel, keys] of Object.entries(PANELS)) {
    if (panel === also || [...keys, ...CHOSEN].some((key) => state[key] !== previous[key])) RENDER[panel]();
  }
  if (CHOSEN.some((key) => state[key] !== previous[key])) {  // the panels drawn on request, asked again
    redrawDirections();  // directions.js
    redrawJourney();  // journey.js
  }
}

window.addEventListener("popstate", () => {
  const previous = state;
  state = stateFromURL();
  fillInputs();
  renderChanged(previous);
});

// ---- a tlm model's vectors: E, W or E+W -------------------------------------------------------------

/* The vectors a tlm model answers with: the page's choice, else the server's (its --vectors). */
function vectorsOf(model) {
  return state[CHOSEN[model.index]] || model.tlm.vectors;
}

/* The parameters of a question to `model`: its index and, when the page chose them, its vectors (a
   choice in a link for a model with one vector per word is sent too: the server says what is wrong). */
function asked(model, params) {
  return {...params, model: model.index, vectors: state[CHOSEN[model.index]]};
}

/* The control of a tlm model's vectors; a vector file (GloVe) has one vector per word, and none. */
function vectorsChoice(model) {
  const key = CHOSEN[model.index];
  const group = element("fieldset", {id: `vectors-${model.index}`, class: "vectors-choice",
                                     style: `--model: ${MODEL_COLOURS[model.index]}`},
    element("legend", {}, `${model.name} answers with`),
    ...VECTORS.map((value) => element("label", {},
      element("input", {type: "radio", name: key, value, "data-model": model.index}), ` ${value}`)));
  group.addEventListener("change", (event) => navigate({[key]: event.target.value}));
  return group;
}

// ---- pieces shared by the panels -------------------------------------------------------------------

function describe(model) {
  const size = `${model.words.toLocaleString("en")} words × ${model.dim}`;
  return model.kind === "tlm" ? `tlm model, ${size}` : size;
}

function modelHeading(model, tag = "h3") {
  return element(tag, {class: "model-name", style: `--model: ${MODEL_COLOURS[model.index]}`},
                 model.name, element("span", {class: "meta"}, describe(model)));
}

function wordLink(word) {
  const link = element("a", {href: urlOf({...state, word}), class: "word", "data-word": word}, word);
  link.addEventListener("click", (event) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;  // a new tab: let it
    event.preventDefault();
    navigate({word});
  });
  return link;
}

/* An answer that is not a result: a word the model does not know (with close spellings), a word its
   training folded into <unk> (the server says how often it was seen), or a bad query. */
function problem(answer, model) {
  if (answer.status === 404 && answer.body.folded) {
    return element("p", {class: "missing"}, model ? `${model.name}: ${answer.body.error}.` : `${answer.body.error}.`);
  }
  if (answer.status === 404 && answer.body.word !== undefined) {
    const note = element("p", {class: "missing"}, "“", element("strong", {}, answer.body.word), "” is not in the vocabulary",
                         model ? ` of ${model.name}.` : ".");
    if (answer.body.suggestions.length) {
      note.append(" Close spellings: ");
      answer.body.suggestions.forEach((word, i) => note.append(i ? ", " : "", wordLink(word)));
    }
    return note;
  }
  return element("p", {class: "problem"}, answer.body.error || `the server answered ${answer.status}`);
}

function score(value) {
  return value.toFixed(4);
}

/* A tlm model reads typed words through its transforms, as wp does (King is king to a -t lower model):
   the words it read otherwise than typed, said beside its answer; "" when it read them as typed. */
function readAs(typed, read) {
  const changed = typed.map((word, i) => [word, read[i]]).filter(([word, as]) => word !== as);
  return changed.length ? ` (the model reads ${changed.map(([word, as]) => `${word} as ${as}`).join(", ")})` : "";
}

/* Plotly reads labels as a little HTML: a word like "<unk>" or "a&b" must reach it as entities. */
function plotlyText(word) {
  return word.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/* A 2-D map: points {word, x, y}, colour(word), arrows [from, to]; clicking a word looks it up. */
function drawMap(div, points, colour, arrows = []) {
  div.hidden = false;
  const at = new Map(points.map((p) => [p.word, p]));
  const trace = {
    type: "scatter", mode: "markers+text", x: points.map((p) => p.x), y: points.map((p) => p.y),
    text: points.map((p) => plotlyText(p.word)), customdata: points.map((p) => p.word),
    textposition: "top center", cliponaxis: false,
    textfont: {size: 12, color: points.map((p) => colour(p.word))},
    marker: {size: 9, color: points.map((p) => colour(p.word)), line: {width: 1, color: "#fff"}},
    hovertemplate: "<b>%{text}</b><extra></extra>",
  };
  const annotations = arrows.filter(([from, to]) => at.has(from) && at.has(to)).map(([from, to]) => ({
    x: at.get(to).x, y: at.get(to).y, ax: at.get(from).x, ay: at.get(from).y, xref: "x", yref: "y", axref: "x", ayref: "y",
    text: "", showarrow: true, arrowhead: 2, arrowsize: 1.2, arrowwidth: 2, arrowcolor: ARROW_COLOUR,
    standoff: 6, startstandoff: 6,
  }));
  const layout = {
    height: 330, margin: {l: 44, r: 16, t: 12, b: 40}, dragmode: "pan", hovermode: "closest", showlegend: false,
    xaxis: {title: {text: "principal component 1"}, zeroline: false, automargin: true},
    yaxis: {title: {text: "principal component 2"}, zeroline: false, automargin: true},
    annotations, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fbfbfd",
    font: {family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 12, color: "#2d3748"},
  };
  Plotly.react(div, [trace], layout, PLOT_CONFIG);
  if (!div.dataset.listening) {
    div.dataset.listening = "yes";
    div.on("plotly_click", (event) => navigate({word: event.points[0].customdata}));
  }
}

function hideChart(div) {
  if (!div.hidden) Plotly.purge(div);
  div.hidden = true;
}

/* A failed answer shown in place of a result, its chart hidden: true when the answer failed. */
function shownProblem(answer, model, result, chart) {
  if (answer.ok) return false;
  result.replaceChildren(problem(answer, model));
  hideChart(chart);
  return true;
}

/* One column per model in `${panel}-columns`: a heading, `${panel}-I-body` for the answer and a map. */
function columnsFor(panel) {
  $(`${panel}-columns`).replaceChildren(...models.map((model) => element("div", {class: "column", id: `${panel}-${model.index}`},
    modelHeading(model), element("div", {id: `${panel}-${model.index}-body`}),
    element("div", {id: `${panel}-${model.index}-map`, class: "chart map", hidden: ""}))));
}

function clearColumns(panel) {
  for (const model of models) {
    $(`${panel}-${model.index}-body`).replaceChildren();
    hideChart($(`${panel}-${model.index}-map`));
  }
  $(`${panel}-columns`).dataset.shown = "";
}

// ---- neighbours --------------------------------------------------------------------------------------

async function renderExplore() {
  const ticket = tickets.explore = (tickets.explore || 0) + 1;
  const word = state.word;
  const agreement = $("agreement");
  if (!word) {
    clearColumns("explore");
    agreement.hidden = true;
    return;
  }
  $("explore-columns").setAttribute("aria-busy", "true");
  // Only a tlm model knows how often each word was seen: min_count is asked of it alone.
  const answers = await Promise.all(models.map((model) => ask("similar", asked(model, {
    word, n: state.n || 10, min_count: model.kind === "tlm" ? state.min : null}))));
  if (ticket !== tickets.explore) return;
  const lists = answers.map((answer) => (answer.ok ? answer.body.neighbours.map((x) => x.word) : null));
  const shared = new Set(models.length === 2 && lists[0] && lists[1] ? lists[0].filter((w) => lists[1].includes(w)) : []);
  showAgreement(agreement, answers, lists, shared);
  await Promise.all(models.map((model, i) => showNeighbours(model, word, answers[i], shared)));
  if (ticket !== tickets.explore) return;
  $("explore-columns").setAttribute("aria-busy", "false");
  $("explore-columns").dataset.shown = word;
}

function showAgreement(agreement, answers, lists, shared) {
  agreement.hidden = models.length !== 2;
  if (agreement.hidden) return;
  if (lists[0] && lists[1]) {
    const [n0, n1] = lists.map((list) => list.length);
    const of = n0 === n1 ? ` of ${n0}` : "";  // a small vocabulary may have fewer neighbours to give
    agreement.replaceChildren(element("strong", {}, `${shared.size}${of}`), " neighbours in common",
      n0 === n1 ? "" : ` (top ${n0} and top ${n1})`, shared.size ? ": " : ".",
      ...[...shared].flatMap((w, i) => [i ? ", " : "", element("span", {class: "shared-word"}, w)]));
  } else {
    // Only a 404 means "not in the vocabulary"; any other failure (a bad parameter) is said as such.
    const lacking = models.filter((_, i) => answers[i].status === 404).map((m) => m.name);
    const failed = answers.find((answer) => !answer.ok && answer.status !== 404);
    let text;
    if (failed) text = `Nothing to compare: ${failed.body.error}`;
    else if (lacking.length === 2) text = `Neither model knows “${state.word}”: nothing to compare.`;
    else text = `Only one model knows “${state.word}”: nothing to compare (${lacking[0]} does not).`;
    agreement.replaceChildren(text);
  }
}

/* One column of a panel: the ranked answer of `model` and a map, or why there is none. `shape(body)`
   says, for the answer's body: intro (an element), ranked ({word, score} list), rowClass(x, i),
   mapWords, colour(word) and arrows for the map. */
async function showColumn(panel, model, answer, shape) {
  const body = $(`${panel}-${model.index}-body`);
  const map = $(`${panel}-${model.index}-map`);
  if (shownProblem(answer, model, body, map)) return;
  const {intro, ranked, rowClass, mapWords, colour, arrows = []} = shape(answer.body);
  body.replaceChildren(intro, element("ol", {class: "neighbours"}, ...ranked.map((x, i) => element("li", {class: rowClass(x, i)},
    wordLink(x.word),
    element("span", {class: "bar", style: `--fill: ${Math.min(1, Math.max(0, x.score)) * 100}%`}),
    element("span", {class: "score"}, score(x.score)),
    x.count !== undefined ? element("span", {class: "seen"}, `seen ${x.count.toLocaleString("en")}`) :
      x.rank !== undefined ? element("span", {class: "seen"}, `rank ${x.rank.toLocaleString("en")}`) : null))));
  const points = await ask("map", asked(model, {word: mapWords}));
  if (points.ok) {
    drawMap(map, points.body.points, colour, arrows);
  } else {
    body.append(problem(points, model));
    hideChart(map);
  }
}

function showNeighbours(model, word, answer, shared) {
  // The answer says which word the model looked up: a tlm model reads it through its transforms.
  return showColumn("explore", model, answer, ({word: read, neighbours}) => ({
    intro: element("p", {class: "query-word"}, "Nearest to ", element("strong", {}, read), readAs([word], [read]),
                   " by cosine",
                   model.kind === "tlm" ? ` of the ${vectorsOf(model)} vectors, words seen fewer than ${state.min || 3} `
                     + "times hidden:" : ":"),
    ranked: neighbours,
    rowClass: (x) => (shared.has(x.word) ? "shared" : ""),
    mapWords: [read, ...neighbours.map((x) => x.word)],
    colour: (w) => (w === read ? QUERY_COLOUR : shared.has(w) ? SHARED_COLOUR : MODEL_COLOURS[model.index]),
  }));
}

// ---- analogy -----------------------------------------------------------------------------------------

async function renderAnalogy() {
  const ticket = tickets.analogy = (tickets.analogy || 0) + 1;
  const {a, b, c} = state;
  const method = state.method || "add";
  if (!(a && b && c)) {
    clearColumns("analogy");
    return;
  }
  const answers = await Promise.all(models.map((model) => ask("analogy", asked(model, {a, b, c, method, n: 5}))));
  if (ticket !== tickets.analogy) return;
  await Promise.all(models.map((model, i) => showAnalogy(model, answers[i], [a, b, c])));
  if (ticket === tickets.analogy) $("analogy-columns").dataset.shown = [a, b, c, method].join(" ");
}

/* The words as the model read them (`typed`, as typed) name the answer and its map. */
function showAnalogy(model, answer, typed) {
  return showColumn("analogy", model, answer, ({a, b, c, answers}) => {
    const inputs = new Set([a, b, c]);
    const best = answers[0].word;
    return {
      intro: element("p", {class: "analogy-line"}, `${a} : ${b} :: ${c} : `, element("strong", {class: "answer"}, best),
                     readAs(typed, [a, b, c])),
      ranked: answers,
      rowClass: (x, i) => (i === 0 ? "best" : ""),
      mapWords: [a, b, c, ...answers.map((x) => x.word)],
      colour: (w) => (w === best ? ARROW_COLOUR : inputs.has(w) ? QUERY_COLOUR : MODEL_COLOURS[model.index]),
      arrows: [[a, b], [c, best]],
    };
  });
}

// ---- similarity and odd one out ------------------------------------------------------------------------

async function renderSimilarity() {
  const ticket = tickets.similarity = (tickets.similarity || 0) + 1;
  const {s1, s2} = state;
  const result = $("similarity-result");
  if (!(s1 && s2)) {
    result.replaceChildren();
    return;
  }
  const answers = await Promise.all(models.map((model) => ask("similarity", asked(model, {a: s1, b: s2}))));
  if (ticket !== tickets.similarity) return;
  result.replaceChildren(...models.map((model, i) => {
    const answer = answers[i];
    const row = element("div", {class: "result-row"}, modelHeading(model, "h4"));
    if (!answer.ok) {
      row.append(problem(answer, model));
    } else {
      const {a, b, cosine} = answer.body;  // the words as the model read them
      row.append(element("p", {class: "cosine"}, `cos(${a}, ${b}) = `, element("strong", {}, score(cosine)),
                         readAs([s1, s2], [a, b])),
                 element("span", {class: "meter", title: "−1 … 0 … 1"},
                         element("span", {style: `left: ${(cosine + 1) * 50}%`})));
    }
    return row;
  }));
}

async function renderOdd() {
  const ticket = tickets.odd = (tickets.odd || 0) + 1;
  const words = (state.odd || "").trim().split(/\s+/).filter(Boolean);
  const result = $("odd-result");
  if (!words.length) {
    result.replaceChildren();
    return;
  }
  const answers = await Promise.all(models.map((model) => ask("odd-one-out", asked(model, {word: words}))));
  if (ticket !== tickets.odd) return;
  result.replaceChildren(...models.map((model, i) => {
    const answer = answers[i];
    const row = element("div", {class: "result-row"}, modelHeading(model, "h4"));
    if (answer.ok) {
      const {words: read, odd_one_out: odd} = answer.body;  // the words as the model read them
      row.append(element("p", {}, element("strong", {class: "answer"}, odd), " does not fit with ",
                         read.filter((w) => w !== odd).join(", "), readAs(words, read), "."));
    } else {
      row.append(problem(answer, model));
    }
    return row;
  }));
}

const RENDER = {explore: renderExplore, analogy: renderAnalogy, similarity: renderSimilarity, odd: renderOdd};

// ---- tlm models -------------------------------------------------------------------------------------

function barChart(div, predictions, colour) {
  const shown = [...predictions].reverse();  // Plotly draws the first bar at the bottom
  div.hidden = false;
  Plotly.react(div, [{
    type: "bar", orientation: "h", x: shown.map((p) => p.probability), y: shown.map((p) => plotlyText(p.word)),
    marker: {color: colour}, hovertemplate: "%{y}: %{x:.4f}<extra></extra>",
  }], {
    height: Math.max(160, 26 * shown.length + 60), margin: {l: 90, r: 16, t: 8, b: 40},
    xaxis: {title: {text: "probability of the next word"}, rangemode: "tozero"},
    yaxis: {type: "category", automargin: true},  // words like "1990" stay words
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fbfbfd", font: {size: 12, color: "#2d3748"},
  }, PLOT_CONFIG);
}

function lineChart(div, history) {
  const epochs = history.loss.map((_, i) => i + 1);
  const traces = [{type: "scatter", mode: "lines+markers", name: "training loss", x: epochs, y: history.loss,
                   line: {color: QUERY_COLOUR}}];
  if (history.val_loss.some((x) => x !== null)) {
    traces.push({type: "scatter", mode: "lines+markers", name: "held-out loss", x: history.val_loss.map((_, i) => i + 1),
                 y: history.val_loss, line: {color: HELD_OUT_COLOUR}});
  }
  Plotly.react(div, traces, {
    height: 240, margin: {l: 50, r: 16, t: 8, b: 40}, legend: {orientation: "h", y: 1.12},
    xaxis: {title: {text: "epoch"}, dtick: epochs.length <= 20 ? 1 : undefined},
    yaxis: {title: {text: "cross-entropy (nats)"}},
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fbfbfd", font: {size: 12, color: "#2d3748"},
  }, PLOT_CONFIG);
}

async function setUpLanguageModel(model, card) {
  const field = (name) => card.querySelector(`.${name}`);
  card.id = `tlm-${model.index}`;
  card.querySelector(".model-name").replaceWith(modelHeading(model));
  field("predict").addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await ask("predict", {context: field("context").value, k: field("k").value, model: model.index});
    const result = field("predict-result");
    if (shownProblem(answer, model, result, field("predict-chart"))) return;
    const unknown = answer.body.unknown;
    result.replaceChildren(unknown.length ? element("p", {class: "missing"}, `Read as <unk>: ${unknown.join(", ")}`) : "");
    barChart(field("predict-chart"), answer.body.predictions, MODEL_COLOURS[model.index]);
    card.dataset.predicted = field("context").value;
  });
  field("generate").addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await ask("generate", {
      prompt: field("prompt").value, length: field("length").value, temperature: field("temperature").value,
      top_k: field("top-k").value, seed: field("seed").value, model: model.index});
    field("sample").replaceChildren(answer.ok ? answer.body.text : problem(answer, model));
    field("sample").classList.toggle("shown", true);
  });
  const history = await ask("history", {model: model.index});
  if (history.ok && history.body.loss.length) {
    lineChart(field("history-chart"), history.body);
  } else {
    field("history-chart").replaceChildren(history.ok ? "This model file has no training history." : problem(history, model));
  }
}

// ---- completion ----------------------------------------------------------------------------------------

let completionTimer;

async function complete(prefix) {
  const answers = await Promise.all(models.map((model) => ask("complete", {prefix, limit: 12, model: model.index})));
  const words = [...new Set(answers.flatMap((answer) => (answer.ok ? answer.body.words : [])))];
  $("vocabulary").replaceChildren(...words.map((word) => element("option", {value: word})));
}

document.addEventListener("input", (event) => {
  if (!event.target.classList.contains("word-input")) return;
  clearTimeout(completionTimer);
  const prefix = event.target.value;
  if (prefix) completionTimer = setTimeout(() => complete(prefix), 120);
});

// ---- start ---------------------------------------------------------------------------------------------

function servedLine() {
  const names = models.map((model) => element("strong", {style: `color: ${MODEL_COLOURS[model.index]}`}, model.name));
  return models.length === 2 ? ["Comparing ", names[0], " with ", names[1], ", side by side."] : ["Model: ", names[0], "."];
}

async function start() {
  const answer = await ask("models");
  if (!answer.ok) {
    $("served").replaceChildren(problem(answer));
    return;
  }
  models = answer.body.models;
  state = stateFromURL();  // before the panels that ask with it (the journey, at once)
  $("served").replaceChildren(...servedLine());
  const choices = models.filter((model) => model.kind === "tlm").map(vectorsChoice);
  if (choices.length) {
    $("vectors-choices").replaceChildren(...choices, element("span", {class: "hint"},
      "E: each word as context (the input rows), W: as the next word (the output columns), E+W: the sum of its two unit vectors"));
  }
  document.body.classList.toggle("side-by-side", models.length === 2);
  columnsFor("explore");
  columnsFor("analogy");
  for (const [panel, keys] of Object.entries(PANELS)) {  // each panel's form has the panel's name
    $(panel).addEventListener("submit", (event) => {
      event.preventDefault();
      navigate(Object.fromEntries(keys.map((key) => [key, $(INPUTS[key]).value.trim()])), panel);
    });
  }
  await setUpDirections();  // directions.js
  const languageModels = models.filter((model) => model.kind === "tlm");
  setUpInsidePanel(languageModels);  // inside.js
  setUpJourney(languageModels);  // journey.js: loads its snapshots while the rest of the page starts
  $("tlm").hidden = !languageModels.length;
  await Promise.all(languageModels.map((model) => {
    const card = $("tlm-card").content.firstElementChild.cloneNode(true);
    $("tlm-columns").append(card);
    return setUpLanguageModel(model, card);
  }));
  fillInputs();
  renderChanged({});
  document.body.dataset.ready = "yes";
}

document.addEventListener("DOMContentLoaded", start);  // after every deferred script: the panels' files too
