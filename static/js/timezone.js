/* The browser's time zone, proposed once to the server (apps/profiles/timezones.py).
   base.html puts data-time-zone-url on <body> while the session does not know the signed-in
   person's zone: this posts Intl's zone there; it becomes the profile's if the profile has
   none, and the session remembers the profile's zone, so the next pages show dates in it. */
(function () {
  "use strict";
  var body = document.body;
  var url = body && body.dataset.timeZoneUrl;
  if (!url || !window.fetch || !window.Intl || !Intl.DateTimeFormat) { return; }
  try {
    if (window.sessionStorage.getItem("time-zone-proposed")) { return; }
    window.sessionStorage.setItem("time-zone-proposed", "1");
  } catch (e) { /* storage refused: propose anyway, the server ignores repeats */ }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) { return; }
  var token = "";
  try { token = JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { token = ""; }
  if (!token) {
    var field = document.querySelector("[name=csrfmiddlewaretoken]");
    token = field ? field.value : "";
  }
  var data = new FormData();
  data.append("time_zone", zone);
  fetch(url, { method: "POST", credentials: "same-origin", body: data, headers: { "X-CSRFToken": token } })
    .catch(function () { /* offline: the next session asks again */ });
})();
