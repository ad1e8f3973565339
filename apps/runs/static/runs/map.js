/* The run page's map: the route on the configured tile server, with its start and finish marked and the
   attribution the tiles require. Leaflet is vendored (project/static/vendor/leaflet). */
(function () {
  "use strict";
  var source = document.getElementById("run-map-data");
  var element = document.getElementById("run-map");
  if (!source || !element || !window.L) return;
  var data = JSON.parse(source.textContent);
  var map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 19 }).addTo(map);
  var route = L.polyline(data.route, { color: "#1e6fd9", weight: 4 }).addTo(map);
  var start = data.route[0];
  var finish = data.route[data.route.length - 1];
  L.circleMarker(finish, { radius: 8, color: "#fff", weight: 2, fillColor: "#c62828", fillOpacity: 1 })
    .bindTooltip("Finish").addTo(map);
  L.circleMarker(start, { radius: 6, color: "#fff", weight: 2, fillColor: "#2e7d32", fillOpacity: 1 })
    .bindTooltip("Start").addTo(map);
  map.fitBounds(route.getBounds(), { padding: [16, 16] });
})();
