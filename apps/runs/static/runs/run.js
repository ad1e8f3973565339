/* The run page's charts: one cursor across them and a read-out of the point under the pointer (mouse, pen or
   touch), or under the arrow keys. The points come from the page (json_script "run-chart-points"), in the
   runner's units, as apps/runs/charts.py drew them. */
(function () {
  "use strict";
  var source = document.getElementById("run-chart-points");
  var readout = document.getElementById("run-readout");
  if (!source || !readout) return;
  var data = JSON.parse(source.textContent);
  var points = data.points;
  var units = data.units;
  var distance = points.distance;
  var total = distance[distance.length - 1] || 1;
  var FIELDS = [
    ["distance", "Distance"],
    ["pace", "Pace"],
    ["speed", "Speed"],
    ["elevation", "Elevation"],
    ["heart_rate", "Heart rate"],
    ["cadence", "Cadence"]
  ];
  var areas = Array.prototype.slice.call(document.querySelectorAll(".run-charts .area"));
  var cursors = areas.map(function (area) { return area.querySelector("line.cursor"); });
  var current = null;

  function clock(seconds) {
    var whole = Math.round(seconds);
    var minutes = Math.floor(whole / 60);
    var rest = whole % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function format(key, value) {
    if (value === null || value === undefined) return "\u2013";
    if (key === "pace") return clock(value) + " " + units.pace;
    if (key === "distance") return value.toFixed(2) + " " + units.distance;
    if (key === "speed") return value.toFixed(1) + " " + units.speed;
    return Math.round(value) + " " + units[key];
  }

  function nearest(target) {
    var low = 0;
    var high = distance.length - 1;
    while (high - low > 1) {
      var middle = (low + high) >> 1;
      if (distance[middle] < target) low = middle; else high = middle;
    }
    return target - distance[low] <= distance[high] - target ? low : high;
  }

  function show(index) {
    current = index;
    readout.textContent = "";
    FIELDS.forEach(function (field) {
      var key = field[0];
      if (!(key in points)) return;
      var item = document.createElement("span");
      item.className = "reading";
      item.dataset.field = key;
      var label = document.createElement("small");
      label.textContent = field[1];
      var value = document.createElement("strong");
      value.textContent = format(key, points[key][index]);
      item.appendChild(label);
      item.appendChild(value);
      readout.appendChild(item);
    });
    var x = (distance[index] / total * 600).toFixed(1);
    cursors.forEach(function (line) {
      line.setAttribute("x1", x);
      line.setAttribute("x2", x);
      line.setAttribute("visibility", "visible");
    });
  }

  function follow(event) {
    var box = event.currentTarget.getBoundingClientRect();
    var fraction = Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1);
    show(nearest(fraction * total));
  }

  areas.forEach(function (area) {
    area.addEventListener("pointermove", follow);
    area.addEventListener("pointerdown", follow);
    area.addEventListener("keydown", function (event) {
      var step = event.shiftKey ? 10 : 1;
      if (event.key === "ArrowRight") show(Math.min((current === null ? -1 : current) + step, distance.length - 1));
      else if (event.key === "ArrowLeft") show(Math.max((current === null ? distance.length : current) - step, 0));
      else return;
      event.preventDefault();
    });
  });
})();
