"use strict";
/* The "Watch it learn" panel of `wp serve`: a tlm model's recorded journey (/api/journey), replayed
   with a slider and a play button: the aligned map, the word's neighbours at the chosen snapshot,
   and the training curve with a marker there. Uses app.js's helpers (ask, element, $, problem). */

const JOURNEY_PLAY_MS = 700;
const JOURNEY_COLOURS = {query: QUERY_COLOUR, neighbour: MODEL_COLOURS[0], frequent: "#a0aec0"};
let journeyTimer = null;

function journeyRange(values) {
  const low = Math.min(...values), high = Math.max(...values), pad = (high - low) * 0.1 + 1e-6;
  return [low - pad, high + pad];
}

function drawJourneyFrame(answer, i) {
  const shot = answer.snapshots[i], at = answer.points[i];
  $("journey-step").textContent =
    `snapshot ${i + 1} of ${answer.snapshots.length}: step ${shot.step.toLocaleString("en")}, epoch ${shot.epoch.toFixed(2)}` +
    (shot.loss === null ? "" : `, loss ${shot.loss.toFixed(3)}`) + `, settled ${Math.round(shot.settled * 100)}%`;
  const colours = answer.roles.map((role) => JOURNEY_COLOURS[role]);
  Plotly.react($("journey-map"), [{
    type: "scatter", mode: "markers+text", x: at.map((p) => p[0]), y: at.map((p) => p[1]),
    text: answer.words.map(plotlyText), textposition: "top center", cliponaxis: false,
    textfont: {size: 12, color: colours}, marker: {size: 9, color: colours, line: {width: 1, color: "#fff"}},
    hovertemplate: "<b>%{text}</b><extra></extra>",
  }], {
    height: 360, margin: {l: 44, r: 16, t: 12, b: 40}, showlegend: false, dragmode: "pan",
    xaxis: {range: answer.xRange, title: {text: "principal component 1 (final snapshot)"}, zeroline: false},
    yaxis: {range: answer.yRange, title: {text: "principal component 2"}, zeroline: false},
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fbfbfd", font: {size: 12, color: "#2d3748"},
  }, PLOT_CONFIG);
  $("journey-neighbours").replaceChildren(...answer.neighbours[i].map((n) =>
    element("li", {}, element("span", {class: "w"}, n.word), ` ${score(n.cosine)}`)));
  const epochs = answer.snapshots.map((s) => s.epoch);
  Plotly.react($("journey-curve"), [
    {type: "scatter", mode: "lines+markers", name: "training loss", x: epochs, y: answer.snapshots.map((s) => s.loss),
     line: {color: QUERY_COLOUR}},
    {type: "scatter", mode: "markers", name: "this snapshot", x: [shot.epoch], y: [shot.loss],
     marker: {size: 14, color: ARROW_COLOUR}},
  ], {
    height: 220, margin: {l: 50, r: 16, t: 8, b: 40}, legend: {orientation: "h", y: 1.15},
    xaxis: {title: {text: "epoch"}}, yaxis: {title: {text: "cross-entropy (nats)"}},
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fbfbfd", font: {size: 12, color: "#2d3748"},
  }, PLOT_CONFIG);
  $("journey-body").dataset.shown = String(i);
}

function stopJourney() {
  clearInterval(journeyTimer);
  journeyTimer = null;
  if ($("journey-play")) $("journey-play").textContent = "Play";
}

async function showJourney() {
  stopJourney();
  const ticket = tickets.journey = (tickets.journey || 0) + 1;
  const body = $("journey-body");
  const model = models[Number($("journey-model").value)];
  const typed = $("journey-word").value.trim();
  const answer = await ask("journey", asked(model, {word: typed}));
  if (ticket !== tickets.journey) return;  // a later question (another word, other vectors) answers instead
  if (!answer.ok) {
    body.replaceChildren(problem(answer));
    return;
  }
  const journey = answer.body, last = journey.snapshots.length - 1;
  journey.xRange = journeyRange(journey.points.flat().map((p) => p[0]));
  journey.yRange = journeyRange(journey.points.flat().map((p) => p[1]));
  const slider = element("input", {id: "journey-slider", type: "range", min: "0", max: String(last), value: String(last),
                                   "aria-label": "snapshot"});
  const play = element("button", {id: "journey-play", type: "button"}, "Play");
  body.replaceChildren(
    element("div", {class: "query"}, play, slider, element("span", {id: "journey-step", class: "hint"})),
    element("div", {class: "columns"},
      element("div", {class: "column"}, element("div", {id: "journey-map", class: "chart map"})),
      element("div", {class: "column"}, element("h4", {}, `Nearest recorded words to “${journey.word}”`,
                                                typed ? readAs([typed], [journey.word]) : ""),
              element("ol", {id: "journey-neighbours", class: "results"}),
              element("h4", {}, "Training loss at the snapshots"), element("div", {id: "journey-curve", class: "chart"}))));
  slider.addEventListener("input", () => drawJourneyFrame(journey, Number(slider.value)));
  play.addEventListener("click", () => {
    if (journeyTimer) return stopJourney();
    if (Number(slider.value) === last) slider.value = "0";
    drawJourneyFrame(journey, Number(slider.value));
    play.textContent = "Pause";
    journeyTimer = setInterval(() => {
      if (Number(slider.value) >= last) return stopJourney();
      slider.value = String(Number(slider.value) + 1);
      drawJourneyFrame(journey, Number(slider.value));
    }, JOURNEY_PLAY_MS);
  });
  drawJourneyFrame(journey, last);
}

/* Called by app.js when a model's vectors change: the journey shown again, in them. */
function redrawJourney() {
  if ($("journey-body").dataset.shown !== undefined) showJourney();
}

/* Called by app.js's start with the served tlm models. */
async function setUpJourney(languageModels) {
  $("journey").hidden = !languageModels.length;
  if (!languageModels.length) return;
  $("journey-model").replaceChildren(...languageModels.map((model) => element("option", {value: model.index}, model.name)));
  $("journey-form").addEventListener("submit", (event) => {
    event.preventDefault();
    showJourney();
  });
  await showJourney();
  $("journey").dataset.ready = "yes";
}
